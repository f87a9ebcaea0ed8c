package dev.lsnwait.spring;

import dev.lsnwait.LsnContext;
import io.micrometer.context.ThreadLocalAccessor;

/**
 * Carries the thread's lsnwait context through Micrometer's context-propagation: Reactor (with automatic context
 * propagation), {@code ContextExecutorService}, Spring's {@code ContextPropagatingTaskDecorator}. Loaded by
 * {@code ServiceLoader} (META-INF/services), so it needs no Spring.
 */
public final class LsnWaitThreadLocalAccessor implements ThreadLocalAccessor<LsnContext.Snapshot> {

  /** The key under which the context travels. */
  public static final String KEY = "dev.lsnwait.context";

  @Override
  public Object key() {
    return KEY;
  }

  @Override
  public LsnContext.Snapshot getValue() {
    LsnContext.Snapshot snapshot = LsnContext.snapshot();
    return snapshot.isEmpty() ? null : snapshot;
  }

  @Override
  public void setValue(LsnContext.Snapshot value) {
    LsnContext.open(value); // installs it; restore() or setValue() puts back what was before
  }

  @Override
  public void setValue() {
    LsnContext.clear();
  }
}

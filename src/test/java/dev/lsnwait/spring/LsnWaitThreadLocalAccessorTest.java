package dev.lsnwait.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Micrometer's context-propagation finds the accessor through ServiceLoader and carries the token across threads. */
class LsnWaitThreadLocalAccessorTest {

  @AfterEach
  void clear() {
    LsnContext.clear();
  }

  @Test
  void aSnapshotCarriesTheTokenToAnotherThreadAndRestoresWhatWasThere() throws Exception {
    ContextRegistry registry = new ContextRegistry().loadThreadLocalAccessors();
    assertTrue(registry.getThreadLocalAccessors().stream().anyMatch(LsnWaitThreadLocalAccessor.class::isInstance));
    LsnToken token = LsnToken.of(9, Lsn.of(1234));
    ContextSnapshot snapshot;
    try (LsnContext.Scope ignored = LsnContext.open(token)) {
      snapshot = ContextSnapshotFactory.builder().contextRegistry(registry).build().captureAll();
    }
    AtomicReference<LsnToken> inside = new AtomicReference<>();
    AtomicReference<LsnToken> after = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
          inside.set(LsnContext.current());
        }
        after.set(LsnContext.current());
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    thread.start();
    thread.join();
    assertEquals(token, inside.get());
    assertTrue(after.get().isEmpty(), "the thread's own (empty) context is back");
  }
}

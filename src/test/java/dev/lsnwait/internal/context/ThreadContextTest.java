package dev.lsnwait.internal.context;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import org.junit.jupiter.api.Test;

class ThreadContextTest {

  @Test
  void readingAnEmptyContextLeavesNoEntryInTheThread() throws Exception {
    LsnContext.set(LsnToken.of(1, Lsn.of(5)));
    assertTrue(ThreadContext.installed());
    LsnContext.clear();
    assertFalse(ThreadContext.installed());
    assertSame(ContextState.EMPTY, ThreadContext.get());
    LsnContext.current();
    ThreadContext.requiredLsn(1, System.nanoTime());
    assertFalse(ThreadContext.installed(), "reads do not put an entry back (it would pin the class loader)");
  }
}

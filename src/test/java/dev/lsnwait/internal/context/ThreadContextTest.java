package dev.lsnwait.internal.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

  @Test
  void aFallBackIsRememberedForItsPositionAndEarlierOnesAndTravelsWithTheContext() {
    ContextState state = ContextState.of(LsnToken.of(1, Lsn.of(500))).fallingBack(1, Lsn.of(500), 77);
    assertEquals(77, state.fellBackAt(1, Lsn.of(500)));
    assertEquals(77, state.fellBackAt(1, Lsn.of(400)));
    assertEquals(Long.MIN_VALUE, state.fellBackAt(1, Lsn.of(501)), "a later write is placed afresh");
    assertEquals(Long.MIN_VALUE, state.fellBackAt(2, Lsn.of(1)), "another cluster");
    ContextState other = ContextState.of(LsnToken.of(1, Lsn.of(900))).fallingBack(1, Lsn.of(900), 99);
    ContextState merged = state.merge(other);
    assertEquals(99, merged.fellBackAt(1, Lsn.of(900)), "merged: the later position, at the later moment");
    assertEquals(77, state.merge(ContextState.of(LsnToken.of(1, Lsn.of(900)))).fellBackAt(1, Lsn.of(500)));
    assertFalse(ContextState.EMPTY.fallingBack(1, Lsn.of(5), 1).isEmpty());
  }
}

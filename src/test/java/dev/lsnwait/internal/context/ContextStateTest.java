package dev.lsnwait.internal.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import org.junit.jupiter.api.Test;

class ContextStateTest {

  /** A primary whose commit positions are mark * 100, counting the reads; fails while {@code failing}. */
  private static final class Source implements CommitPositionSource {
    final long cluster;
    int reads;
    boolean failing;
    long nextMark = 7;

    Source(long cluster) {
      this.cluster = cluster;
    }

    @Override
    public long systemIdentifier() {
      return cluster;
    }

    @Override
    public long mark() {
      return nextMark;
    }

    @Override
    public long defaultDeadline() {
      return System.nanoTime() + 1_000_000_000L;
    }

    @Override
    public Lsn covering(long mark, long deadlineNanos) throws SQLException {
      reads++;
      if (failing) {
        throw new SQLTransientException("primary unreachable");
      }
      return Lsn.of(mark * 100);
    }
  }

  @Test
  void aStateRestoredPerRequestReadsItsCommitPositionOnce() throws Exception {
    Source source = new Source(1);
    ContextState snapshot = ContextState.EMPTY.withCommit(source, 7);
    ContextState first = snapshot.resolve(1, System.nanoTime() + 1_000_000_000L);
    assertEquals(Lsn.of(700), first.resolvedToken().lsnFor(1).orElseThrow());
    assertFalse(first.hasPending());
    assertSame(first, snapshot.resolve(1, System.nanoTime()), "the second request: no read, the same state");
    assertSame(first, snapshot.resolveAll());
    assertEquals(1, source.reads);
    assertTrue(snapshot.hasPending(), "the snapshot itself is unchanged (immutable)");
  }

  @Test
  void aStateIsRememberedResolvedOnlyOnceNothingIsPending() throws Exception {
    Source one = new Source(1);
    Source two = new Source(2);
    ContextState snapshot = ContextState.EMPTY.withCommit(one, 7).withCommit(two, 3);
    ContextState oneRead = snapshot.resolve(1, System.nanoTime() + 1_000_000_000L);
    assertTrue(oneRead.hasPending(), "cluster 2's commit is still unread");
    snapshot.resolve(1, System.nanoTime() + 1_000_000_000L);
    assertEquals(2, one.reads, "a partial resolution is not remembered");
    ContextState all = snapshot.resolveAll();
    assertEquals(Lsn.of(300), all.resolvedToken().lsnFor(2).orElseThrow());
    assertSame(all, snapshot.resolve(2, System.nanoTime()));
    assertSame(all, snapshot.resolve(1, System.nanoTime()));
    assertEquals(3, one.reads);
    assertEquals(1, two.reads);
  }

  @Test
  void aFailedReadIsNotRememberedAndIsTriedAgain() throws Exception {
    Source source = new Source(1);
    source.failing = true;
    ContextState snapshot = ContextState.EMPTY.withCommit(source, 7);
    assertThrows(SQLException.class, () -> snapshot.resolve(1, System.nanoTime()));
    source.failing = false;
    assertEquals(Lsn.of(700), snapshot.resolve(1, System.nanoTime()).resolvedToken().lsnFor(1).orElseThrow());
    assertEquals(2, source.reads);
  }

  @Test
  void aSnapshotOpenedPerRequestResolvesOnceAndLaterCommitsStillCount() throws Exception {
    Source source = new Source(1);
    LsnContext.Snapshot user;
    try (LsnContext.Scope ignored = LsnContext.open(LsnToken.EMPTY)) {
      ThreadContext.recordCommit(source);
      user = LsnContext.snapshot();
    }
    for (int request = 0; request < 3; request++) {
      try (LsnContext.Scope ignored = LsnContext.open(user)) {
        assertEquals(Lsn.of(700), ThreadContext.requiredLsn(1, System.nanoTime() + 1_000_000_000L));
      }
    }
    assertEquals(1, source.reads);
    try (LsnContext.Scope ignored = LsnContext.open(user)) {
      ThreadContext.requiredLsn(1, System.nanoTime() + 1_000_000_000L);
      source.nextMark = 9;
      ThreadContext.recordCommit(source);
      assertEquals(Lsn.of(900), ThreadContext.requiredLsn(1, System.nanoTime() + 1_000_000_000L),
          "a commit after the remembered resolution is read too");
    }
    assertFalse(ThreadContext.installed());
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaPromotedException;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A replica promoted while readers wait for it, or while its old primary goes on writing (a failover that did not
 * fence the old primary, a split brain): it holds what it had replayed when it left recovery, and nothing after.
 */
class PromotionIT extends ClusterTest {

  @Test
  void waitersBeyondWhatThePromotedServerReplayedAreToldAtOnceAndNobodyWaitsAfterwards() throws Exception {
    PgCluster own = ownCluster("promoted");
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "60s"));
    ReplicaTracker tracker = trackerOf(replica);
    LsnToken farFuture = LsnToken.of(own.systemIdentifier(), Lsn.parse("FFFFFFFF/0"));
    ExecutorService threads = Executors.newCachedThreadPool();
    closeLater(threads::shutdownNow);
    Future<Long> waiting = threads.submit(() -> LsnContext.callWith(farFuture, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, "promoted", 1);
      }
    }));
    awaitWaiters(tracker, 1);
    assertFalse(waiting.isDone());

    own.promote(own.replica()); // waits until the promotion is done
    ExecutionException told = assertThrows(ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS),
        "the waiter is released well before its 60 s");
    assertInstanceOf(ReplicaPromotedException.class, told.getCause(), told.getCause().toString());
    assertFalse(tracker.isInRecovery());

    long waits = tracker.stats().waits();
    try (LsnContext.Scope scope = LsnContext.open(farFuture); Connection c = replica.getConnection()) {
      assertThrows(ReplicaPromotedException.class, () -> count(c, "promoted", 1));
    }
    assertEquals(waits, tracker.stats().waits(), "no wait at all on a server out of recovery");
  }

  @Test
  void aPromotedStandbyServesWhatItReplayedButNotWhatItsOldPrimaryWroteAfter() throws Exception {
    PgCluster own = ownCluster("split_brain");
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "10s"));
    insert(primary, "split_brain", 1);
    LsnToken before = LsnContext.current();
    own.awaitCaughtUp(own.replica(), PATIENCE);
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "split_brain", 1), "the tracker has seen the insert replayed");
    }

    own.promote(own.replica()); // the old primary is not fenced: it goes on taking writes
    LsnContext.clear();
    insert(primary, "split_brain", 2);
    LsnToken after = LsnContext.current();

    try (LsnContext.Scope scope = LsnContext.open(before); Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "split_brain", 1), "what it replayed before its promotion is there, at once");
    }
    long started = System.nanoTime();
    try (LsnContext.Scope scope = LsnContext.open(after); Connection c = replica.getConnection()) {
      ReplicaPromotedException e = assertThrows(ReplicaPromotedException.class,
          () -> count(c, "split_brain", 2), "the row is not there: reading would be stale");
      assertTrue(e.getMessage().contains("promoted"), e.getMessage());
    }
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "told at once, not at the timeout");

    // Its own writes carry its new timeline: a read there with such a token runs at once.
    HikariDataSource promoted = pool(own.replica(), Map.of("lsnwait.role", "primary"));
    LsnContext.clear();
    insert(promoted, "split_brain", 3);
    LsnToken own3 = LsnContext.current();
    assertEquals(1, after.timelineFor(own.systemIdentifier()), "the old primary writes on timeline 1");
    assertEquals(2, own3.timelineFor(own.systemIdentifier()), "the promoted one on timeline 2");
    try (LsnContext.Scope scope = LsnContext.open(own3); Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "split_brain", 3));
    }
  }
}

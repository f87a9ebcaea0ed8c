package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Faults on a real primary + replica: the replica stops, its tracker connection dies, replay never resumes. */
class FaultsIT extends ClusterTest {

  private ExecutorService threads() {
    ExecutorService threads = Executors.newCachedThreadPool();
    closeLater(threads::shutdownNow);
    return threads;
  }

  private LsnToken writeWhilePaused(HikariDataSource primary, String table, int id) throws Exception {
    insert(primary, table, id);
    LsnToken token = LsnContext.current();
    LsnContext.clear();
    return token;
  }

  private static Future<Long> readWith(ExecutorService threads, LsnToken token, HikariDataSource replica, String table,
      int id) {
    return threads.submit(() -> LsnContext.callWith(token, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, table, id);
      }
    }));
  }

  @Test
  void replicaStoppedWhileThreadsWaitEndsEachReadWithItsConnectionsErrorThenARestartIsANewServer()
      throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "20s"));
    HikariDataSource proceeding =
        pool(cluster.replica(), Map.of("lsnwait.timeout", "20s", "lsnwait.onTimeout", "proceed"));
    ReplicaTracker tracker = trackerOf(replica);
    trackerOf(proceeding);
    long proceededBefore = tracker.stats().proceededAfterTimeout();
    ExecutorService threads = threads();
    cluster.pauseReplay();
    LsnToken token = writeWhilePaused(primary, table, 1);
    List<Future<Long>> readers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      readers.add(readWith(threads, token, replica, table, 1));
      readers.add(readWith(threads, token, proceeding, table, 1));
    }
    awaitWaiters(tracker, 6);

    long stopped = System.nanoTime();
    cluster.replica().stop("immediate");
    try {
      for (Future<Long> reader : readers) {
        // The tracker cannot reach the server any more, so each reader asks on its own connection, which is
        // broken too: pgjdbc's own error, at once, as the statement would get; not a wait for the whole timeout.
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> reader.get(30, TimeUnit.SECONDS));
        assertInstanceOf(SQLException.class, failure.getCause());
        assertFalse(failure.getCause() instanceof ReplicationTimeoutException, failure.getCause().toString());
        assertTrue(((SQLException) failure.getCause()).getSQLState().startsWith("08"), failure.getCause().toString());
      }
      assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stopped) < 15, "well before the 20 s timeout");
      assertEquals(proceededBefore, tracker.stats().proceededAfterTimeout(), "nothing read stale");
      assertEquals(0, tracker.stats().waiters());
    } finally {
      cluster.replica().start(); // replay is no longer paused after a restart
    }
    HikariDataSource fresh = pool(cluster.replica(), Map.of("lsnwait.timeout", "30s"));
    assertEquals(1L, readWith(threads, token, fresh, table, 1).get(60, TimeUnit.SECONDS),
        "after the restart the read waits on the restarted server and succeeds");
    ReplicaTracker restarted = trackerOf(fresh);
    assertFalse(restarted == tracker, "a restarted server has a tracker of its own");
  }

  @Test
  void trackerConnectionTerminatedReconnectsWithoutLosingWaiters() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "30s"));
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    LsnToken token = writeWhilePaused(primary, table, 1);
    Future<Long> reader = readWith(threads(), token, replica, table, 1);
    awaitWaiters(tracker, 1);
    String trackers = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lsnwait tracker'";
    Deadline.await(PATIENCE, "the tracker's connection", () -> PgCluster.queryLong(cluster.replica(), trackers) >= 1);

    long terminated = PgCluster.queryLong(cluster.replica(),
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            + " WHERE application_name = 'lsnwait tracker') t");
    assertTrue(terminated >= 1);
    long pollsBefore = tracker.stats().polls();
    Deadline.await(PATIENCE, "the tracker to poll again", () -> tracker.stats().polls() > pollsBefore + 5);
    assertFalse(reader.isDone());
    assertEquals(1, tracker.stats().waiters(), "the waiter is still there");
    cluster.resumeReplay();
    assertEquals(1L, reader.get(30, TimeUnit.SECONDS));
  }

  @Test
  void replayPausedIndefinitelyEachWaitEndsWithinTenPercentOfItsTimeout() throws Exception {
    String table = newTable();
    cluster.pauseReplay();
    LsnToken farFuture = LsnToken.of(cluster.systemIdentifier(), Lsn.parse("FFFFFFFF/0"));
    for (int millis : new int[] {1000, 2000}) {
      HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", millis + "ms"));
      try (Connection c = replica.getConnection()) {
        long start = System.nanoTime();
        ReplicationTimeoutException timeout = org.junit.jupiter.api.Assertions.assertThrows(
            ReplicationTimeoutException.class,
            () -> LsnContext.callWith(farFuture, () -> count(c, table, 1)));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= millis && waited <= millis * 1.1,
            "waited " + waited + " ms for a " + millis + " ms timeout");
        assertTrue(timeout.waitedMillis() >= millis);
      }
    }
  }

  @Test
  void interruptedWaiterGetsSqlExceptionKeepsTheFlagAndIsRemoved() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "30s"));
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    LsnToken token = writeWhilePaused(primary, table, 1);
    AtomicBoolean flagKept = new AtomicBoolean();
    CompletableFuture<SQLException> caught = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (LsnContext.Scope scope = LsnContext.open(token); Connection c = replica.getConnection()) {
        count(c, table, 1);
        caught.complete(null);
      } catch (SQLException e) {
        flagKept.set(Thread.currentThread().isInterrupted());
        caught.complete(e);
      }
    });
    reader.start();
    awaitWaiters(tracker, 1);
    reader.interrupt();
    SQLException e = caught.get(30, TimeUnit.SECONDS);
    assertTrue(e != null && e.getMessage().contains("interrupted"), String.valueOf(e));
    assertTrue(flagKept.get(), "the interrupt flag is kept");
    Deadline.await(PATIENCE, "the waiter to be removed", () -> tracker.stats().waiters() == 0);
  }

  @Test
  void hundredThousandAbandonedWaitsLeaveNothingBehind() throws Exception {
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    Lsn never = Lsn.parse("FFFFFFFF/0");
    long baseline = usedHeapAfterGc();
    ExecutorService threads = threads();
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      workers.add(threads.submit(() -> {
        for (int i = 0; i < 12_500; i++) {
          if (i % 2 == 0) {
            tracker.await(never, Duration.ofNanos(1)); // times out
          } else {
            tracker.whenReplayed(never).cancel(false); // cancelled
          }
        }
        return null;
      }));
    }
    for (Future<?> worker : workers) {
      worker.get(120, TimeUnit.SECONDS);
    }
    assertEquals(0, tracker.stats().waiters(), "no waiter left");
    long grown = usedHeapAfterGc() - baseline;
    assertTrue(grown < 8 << 20, "heap grew by " + grown + " bytes after 100,000 abandoned waits");
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50); // lets the collector finish; the smallest reading is kept
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}

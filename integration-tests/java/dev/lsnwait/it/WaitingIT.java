package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How the tracker waits: on PostgreSQL 19, in the server ({@code WAIT FOR LSN}); before, by polls at forecast
 * moments, never more than {@code lsnwait.maxPollRate} a second however long replay stalls.
 */
class WaitingIT extends ClusterTest {

  private static int serverVersion() {
    return (int) PgCluster.queryLong(cluster.replica(), "SELECT current_setting('server_version_num')::int");
  }

  private List<Future<Long>> readersOf(HikariDataSource primary, HikariDataSource replica, String table, int rows)
      throws Exception {
    ExecutorService threads = Executors.newCachedThreadPool();
    closeLater(threads::shutdownNow);
    List<Future<Long>> readers = new ArrayList<>();
    for (int id = 1; id <= rows; id++) {
      insert(primary, table, id);
      LsnToken token = LsnContext.current();
      LsnContext.clear();
      int row = id;
      readers.add(threads.submit(() -> LsnContext.callWith(token, () -> {
        try (Connection c = replica.getConnection()) {
          return count(c, table, row);
        }
      })));
    }
    return readers;
  }

  @Test
  void waitersForSuccessivePositionsAllWakeAndSeeTheirRows() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), java.util.Map.of("lsnwait.timeout", "30s"));
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    List<Future<Long>> readers = readersOf(primary, replica, table, 4); // the pool's size
    awaitWaiters(tracker, 4);
    cluster.resumeReplay();
    for (Future<Long> reader : readers) {
      assertEquals(1L, reader.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void beforePostgres19ATrackerPollsNoMoreThanItsRateWhileReplayStalls() throws Exception {
    assumeTrue(serverVersion() < 190000, "PostgreSQL 19 waits in the server");
    Stalled stalled = oneReaderOnPausedReplay();
    ReplicaTracker tracker = stalled.tracker();
    long polls = tracker.stats().polls();
    long start = System.nanoTime();
    Thread.sleep(1000); // a measurement window: how many polls in a second of stalled replay
    double perSecond = (tracker.stats().polls() - polls) / ((System.nanoTime() - start) / 1e9);
    assertTrue(perSecond <= 200, perSecond + " polls/s (lsnwait.maxPollRate 180, burst 20)");
    assertFalse(stalled.reader().isDone());
    cluster.resumeReplay();
    assertEquals(1L, stalled.reader().get(30, TimeUnit.SECONDS));
  }

  @Test
  void onPostgres19TheTrackerWaitsInTheServer() throws Exception {
    assumeTrue(serverVersion() >= 190000, "WAIT FOR LSN came with PostgreSQL 19");
    Stalled stalled = oneReaderOnPausedReplay();
    ReplicaTracker tracker = stalled.tracker();
    Deadline.await(PATIENCE, "the tracker to wait in the server", () -> PgCluster.queryLong(cluster.replica(),
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lsnwait tracker'"
            + " AND query LIKE 'WAIT FOR LSN%'") == 1);
    long polls = tracker.stats().polls();
    Thread.sleep(1000); // a measurement window: statements in a second of stalled replay
    assertTrue(tracker.stats().polls() - polls <= 25, "one WAIT FOR LSN per 50 ms at most while nothing replays");
    cluster.resumeReplay();
    assertEquals(1L, stalled.reader().get(30, TimeUnit.SECONDS));
  }

  @Test
  void onPostgres19APromotionDuringAWaitInTheServerReleasesTheReader() throws Exception {
    assumeTrue(serverVersion() >= 190000, "WAIT FOR LSN came with PostgreSQL 19");
    PgCluster own = ownCluster("promoted19");
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(own.replica(), java.util.Map.of("lsnwait.timeout", "60s"));
    ReplicaTracker tracker = trackerOf(replica);
    own.pauseReplay();
    List<Future<Long>> readers = readersOf(primary, replica, "promoted19", 1);
    awaitWaiters(tracker, 1);
    own.promote(own.replica());
    // Released without an error; a promotion replays what the standby received, so the row may be there.
    readers.get(0).get(30, TimeUnit.SECONDS);
    LsnToken farFuture = LsnToken.of(own.systemIdentifier(), dev.lsnwait.Lsn.parse("FFFFFFFF/0"));
    try (LsnContext.Scope scope = LsnContext.open(farFuture); Connection c = replica.getConnection()) {
      // WAIT FOR LSN answered "not in recovery": nobody waits on it any more, and what it never replayed is refused
      org.junit.jupiter.api.Assertions.assertThrows(dev.lsnwait.ReplicaPromotedException.class,
          () -> count(c, "promoted19", 1));
    }
    assertFalse(tracker.isInRecovery());
  }

  @Test
  void aReadThatComesAfterItsCommitWasReplayedFindsItKnownWithoutWaiting() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), java.util.Map.of("lsnwait.timeout", "30s"));
    ReplicaTracker tracker = trackerOf(replica);
    insert(primary, table, 1);
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, table, 1)); // readers ask: the tracker is in demand
    }
    // A connection that opens tells the tracker where its server is: let the pool finish opening first.
    Deadline.await(PATIENCE, "the pool to fill", () -> replica.getHikariPoolMXBean().getTotalConnections() == 4);
    insert(primary, table, 2);
    LsnToken token = LsnContext.current();
    dev.lsnwait.Lsn written = token.lsnFor(cluster.systemIdentifier()).orElseThrow();
    long waits = tracker.stats().waits();
    Deadline.await(PATIENCE, "the replica to replay row 2",
        () -> PgCluster.replayedOn(cluster.replica()).isAtLeast(written));
    // Nobody waits, yet the tracker learns of it: it refreshes for this JVM's latest commit.
    Deadline.await(PATIENCE, "the tracker to know row 2 replayed", () -> tracker.lastReplay().isAtLeast(written));
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, table, 2));
    }
    assertEquals(waits, tracker.stats().waits(), "the read found its position known and did not wait");
  }

  /** One reader of a fresh row waiting on its tracker while replay is paused. */
  private Stalled oneReaderOnPausedReplay() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), java.util.Map.of("lsnwait.timeout", "30s"));
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    Future<Long> reader = readersOf(primary, replica, table, 1).get(0);
    awaitWaiters(tracker, 1);
    return new Stalled(tracker, reader);
  }

  private record Stalled(ReplicaTracker tracker, Future<Long> reader) {}
}

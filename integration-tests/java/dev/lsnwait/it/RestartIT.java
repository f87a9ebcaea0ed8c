package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A standby that crashes and restarts accepts connections once it is consistent, possibly behind the replay position
 * it had reached before: what lsnwait saw of it before the restart must not let a read through.
 */
class RestartIT extends ClusterTest {

  @Test
  void standbyRestartedBehindItsOldReplayPositionIsWaitedFor() throws Exception {
    PgCluster own = ownCluster("restarted");
    PgServer standby = own.replica();
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(standby, Map.of("lsnwait.timeout", "30s"));
    for (int id = 1; id <= 20; id++) {
      insert(primary, "restarted", id);
      try (Connection c = replica.getConnection()) {
        assertEquals(1L, count(c, "restarted", id));
      }
    }
    LsnToken token = LsnContext.current();
    Lsn before = PgCluster.replayedOn(standby);

    // Crash it; it comes back with replay held back (a long apply delay), so it stays behind for now.
    PgCluster.execute(standby, "ALTER SYSTEM SET recovery_min_apply_delay = '1h'");
    own.restart(standby, "immediate");
    assertFalse(PgCluster.replayedOn(standby).isAtLeast(before), "the restarted standby is behind");
    replica.getHikariPoolMXBean().softEvictConnections();

    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<Long> read = threads.submit(() -> LsnContext.callWith(token, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, "restarted", 20);
      }
    }));
    Deadline.await(PATIENCE, "the read to wait", () -> read.isDone() || waiting(standby));
    assertFalse(read.isDone(), "the read waits for the restarted standby");
    PgCluster.execute(standby, "ALTER SYSTEM RESET recovery_min_apply_delay");
    PgCluster.execute(standby, "SELECT pg_reload_conf()");
    assertEquals(1L, read.get(30, TimeUnit.SECONDS), "then it sees the write");
    assertTrue(PgCluster.replayedOn(standby).isAtLeast(before));
  }

  /**
   * One backend of the standby dies: the postmaster runs crash recovery without restarting (same start time) and
   * accepts connections again at its minimum recovery point, behind what lsnwait had seen it replay. Made so here:
   * no page is written between a restartpoint and the crash, so recovery starts before the write and is consistent
   * at once, and an apply delay holds replay back.
   */
  @Test
  void standbyWhoseBackendCrashedIsNotTrustedAtItsOldPosition() throws Exception {
    PgCluster own = closeLater(PgCluster.start(Duration.ZERO, false, "bgwriter_lru_maxpages = 0"));
    PgServer standby = own.replica();
    PgCluster.execute(own.primary(), "CREATE TABLE crashed (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(standby, PATIENCE);
    PgCluster.execute(own.primary(), "CHECKPOINT");
    own.awaitCaughtUp(standby, PATIENCE);
    PgCluster.execute(standby, "CHECKPOINT"); // a restartpoint: crash recovery starts here
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(standby, Map.of("lsnwait.timeout", "30s"));
    insert(primary, "crashed", 1);
    LsnToken token = LsnContext.current();
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "crashed", 1), "the tracker has seen the insert replayed");
    }
    long startedBefore = PgCluster.queryLong(standby,
        "SELECT extract(epoch FROM pg_postmaster_start_time())::bigint");

    PgCluster.execute(standby, "ALTER SYSTEM SET recovery_min_apply_delay = '1h'");
    PgCluster.execute(standby, "SELECT pg_reload_conf()");
    standby.crashBackend();
    assertEquals(startedBefore, PgCluster.queryLong(standby,
        "SELECT extract(epoch FROM pg_postmaster_start_time())::bigint"), "no restart, only crash recovery");
    assertFalse(PgCluster.replayedOn(standby).isAtLeast(token.lsnFor(own.systemIdentifier()).orElseThrow()),
        "the standby came back behind the insert");
    replica.getHikariPoolMXBean().softEvictConnections(); // the crash ended them

    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<Long> read = threads.submit(() -> LsnContext.callWith(token, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, "crashed", 1);
      }
    }));
    Deadline.await(PATIENCE, "the read to wait", () -> read.isDone() || waiting(standby));
    assertFalse(read.isDone(), () -> "the read waits for the crashed standby: " + outcome(read));
    PgCluster.execute(standby, "ALTER SYSTEM RESET recovery_min_apply_delay");
    PgCluster.execute(standby, "SELECT pg_reload_conf()");
    assertEquals(1L, read.get(30, TimeUnit.SECONDS), "then it sees the write");
  }

  @Test
  void standbyCrashedAndRestartedUnderLoadServesNoStaleRead() throws Exception {
    PgCluster own = ownCluster("under_load");
    PgServer standby = own.replica();
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(standby, Map.of("lsnwait.timeout", "30s"));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ids = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger stale = new AtomicInteger();
    List<LsnToken> written = new java.util.concurrent.CopyOnWriteArrayList<>(); // index id - 1
    ExecutorService threads = Executors.newFixedThreadPool(4);
    closeLater(threads::shutdownNow);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      boolean writer = t < 2;
      workers.add(threads.submit(() -> {
        java.util.Random random = new java.util.Random();
        while (!stop.get()) {
          int id;
          if (writer) { // writes a row, then reads it back
            synchronized (written) {
              id = ids.incrementAndGet();
              insert(primary, "under_load", id);
              written.add(LsnContext.current());
            }
          } else { // reads back a row someone wrote a little earlier, with the writer's token
            if (written.isEmpty()) {
              continue;
            }
            id = Math.max(1, written.size() - random.nextInt(20));
            LsnContext.set(written.get(id - 1));
          }
          stale.addAndGet(readBack(replica, id) == 0 ? 1 : 0);
          reads.incrementAndGet();
          LsnContext.clear();
        }
        return null;
      }));
    }
    for (int restart = 0; restart < 2; restart++) {
      int before = reads.get();
      Deadline.await(PATIENCE, "reads before the crash", () -> reads.get() > before + 100);
      // Back up with replay held back, so the restarted standby is behind what readers saw before.
      PgCluster.execute(standby, "ALTER SYSTEM SET recovery_min_apply_delay = '1h'");
      own.restart(standby, "immediate");
      Deadline.await(PATIENCE, "readers to wait on the restarted standby", () -> waiting(standby));
      PgCluster.execute(standby, "ALTER SYSTEM RESET recovery_min_apply_delay");
      PgCluster.execute(standby, "SELECT pg_reload_conf()");
    }
    int before = reads.get();
    Deadline.await(PATIENCE, "reads after the last restart", () -> reads.get() > before + 100);
    stop.set(true);
    for (Future<?> worker : workers) {
      worker.get(60, TimeUnit.SECONDS);
    }
    assertEquals(0, stale.get(), "stale reads of " + reads.get());
  }

  /** Reads row {@code id} back; a connection broken by the crash is replaced and the read tried again. */
  private static long readBack(HikariDataSource replica, int id) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = replica.getConnection()) {
        return count(c, "under_load", id);
      } catch (SQLException e) {
        if (attempt == 5 || e.getSQLState() == null || !e.getSQLState().startsWith("08")) {
          throw e;
        }
      }
    }
  }

  /** What a finished read returned or threw, for a failure message. */
  private static String outcome(Future<Long> read) {
    try {
      return "it returned " + read.get();
    } catch (Exception e) {
      return "it threw " + e;
    }
  }

  /** Whether some lsnwait tracker waits on {@code standby}. */
  private static boolean waiting(PgServer standby) {
    return dev.lsnwait.LsnWaitDriver.trackers().stream()
        .anyMatch(t -> t.name().endsWith(":" + standby.port()) && t.stats().waiters() > 0 && t.isInRecovery());
  }
}

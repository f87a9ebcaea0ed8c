package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.LsnWaitDataSource;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReadConsistency;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import dev.lsnwait.testkit.RoutingProxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Identities that include {@code pg_stat_bgwriter.stats_reset}: crash recovery on the primary, a reset by hand under
 * load, and a standby's crash recovery reached where it reports no address (a Unix-socket balancer).
 */
class CrashRecoveryIT extends ClusterTest {

  /**
   * The primary's backend crashes (new identity, same address): a commit made just before keeps its token (read
   * through the stand-in), commits after it make tokens, unsigned tokens are capped without being lost or lowered,
   * and global reads still find a primary; nothing waits beyond its timeout.
   */
  @Test
  void primaryCrashRecoveryKeepsTokensCappingAndGlobalReadsWorking() throws Exception {
    PgCluster own = ownCluster("pcrash");
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "20s"));
    insert(primary, "pcrash", 1);
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "pcrash", 1));
    }
    own.pauseReplay(own.replica());
    insert(primary, "pcrash", 2); // its position may be read only after the crash
    own.primary().crashBackend();
    own.resumeReplay(own.replica());
    long started = System.nanoTime();
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "pcrash", 2), "the commit made before the crash");
    }
    LsnContext.clear();

    insertRetrying(primary, "pcrash", 3); // the pool's connections died with the crash
    LsnToken token = LsnContext.current();
    long id = own.systemIdentifier();
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "pcrash", 3), "a commit after the crash");
    }
    LsnToken capped = LsnWaitDriver.capToPrimaries(token, Duration.ofSeconds(5));
    assertEquals(token.lsnFor(id), capped.lsnFor(id), "capped after the primary's crash recovery");
    LsnContext.clear();
    insertRetrying(primary, "pcrash", 4);
    LsnContext.clear();
    assertEquals(1L, ReadConsistency.callWith(ReadConsistency.GLOBAL, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, "pcrash", 4);
      }
    }), "a global read after the crash");
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60), "bounded");
  }

  /**
   * {@code pg_stat_reset_shared('bgwriter')} by hand on the standby and the primary, again and again, while readers
   * write and read and the pools open new connections (each reset makes a new identity): no stale read, no error.
   */
  @Test
  void statisticsResetByHandUnderLoadServesNoStaleReadAndNoError() throws Exception {
    PgCluster own = ownCluster("reset");
    own.setReplayDelay(own.replica(), Duration.ofMillis(20));
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "10s"));
    ExecutorService threads = Executors.newFixedThreadPool(3);
    closeLater(threads::shutdownNow);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ids = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Future<?>> readers = new java.util.ArrayList<>();
    for (int t = 0; t < 3; t++) {
      readers.add(threads.submit(() -> {
        while (!stop.get()) {
          int id = ids.incrementAndGet();
          LsnContext.clear();
          try {
            insert(primary, "reset", id);
            try (Connection c = replica.getConnection()) {
              if (count(c, "reset", id) != 1) {
                failures.add("stale read of " + id);
              }
            }
            reads.incrementAndGet();
          } catch (SQLException e) {
            failures.add(id + ": " + e);
          }
        }
      }));
    }
    Deadline deadline = Deadline.after(Duration.ofSeconds(8));
    int resets = 0;
    while (!deadline.passed()) {
      PgCluster.execute(own.replica(), "SELECT pg_stat_reset_shared('bgwriter')");
      if (resets % 2 == 0) {
        PgCluster.execute(own.primary(), "SELECT pg_stat_reset_shared('bgwriter')");
      }
      replica.getHikariPoolMXBean().softEvictConnections(); // new connections see the new identity
      primary.getHikariPoolMXBean().softEvictConnections();
      resets++;
      Deadline.await(PATIENCE, "reads between resets", () -> reads.get() > 0 || !failures.isEmpty());
      int before = reads.get();
      Deadline.await(PATIENCE, "a few reads after reset", () -> reads.get() >= before + 5 || !failures.isEmpty());
    }
    stop.set(true);
    for (Future<?> reader : readers) {
      reader.get(60, TimeUnit.SECONDS);
    }
    assertTrue(failures.isEmpty(), resets + " resets, " + reads.get() + " reads; failures: " + failures);
    assertTrue(reads.get() > 20, "reads: " + reads.get());
  }

  /**
   * A standby behind a Unix-socket balancer (no address: earlier starts are not retired) goes through crash
   * recovery and comes back behind a write: the read, through {@code LsnWaitDataSource} (whose borrow gate still
   * knows the earlier identity, with its high cached position), waits for it.
   */
  @Test
  void standbyCrashRecoveryBehindAUnixSocketBalancerIsWaitedFor() throws Exception {
    PgCluster own = closeLater(PgCluster.start(Duration.ZERO, false, "bgwriter_lru_maxpages = 0"));
    PgServer standby = own.replica();
    RoutingProxy balancer = closeLater(new RoutingProxy(standby));
    balancer.routeByUnixSocket(standby);
    PgCluster.execute(own.primary(), "CREATE TABLE ucrash (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(standby, PATIENCE);
    PgCluster.execute(own.primary(), "CHECKPOINT");
    own.awaitCaughtUp(standby, PATIENCE);
    PgCluster.execute(standby, "CHECKPOINT");
    HikariDataSource primary = pool(own.primary());
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(balancer.lsnwaitUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    config.addDataSourceProperty("lsnwait.timeout", "30s");
    HikariDataSource hikari = closeLater(new HikariDataSource(config));
    DataSource replica = new LsnWaitDataSource(hikari);
    insert(primary, "ucrash", 1);
    LsnToken token = LsnContext.current();
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "ucrash", 1), "the tracker has seen the insert replayed");
    }
    PgCluster.execute(standby, "ALTER SYSTEM SET recovery_min_apply_delay = '1h'");
    PgCluster.execute(standby, "SELECT pg_reload_conf()");
    standby.crashBackend();
    assertFalse(PgCluster.replayedOn(standby).isAtLeast(token.lsnFor(own.systemIdentifier()).orElseThrow()),
        "the standby came back behind the insert");
    hikari.getHikariPoolMXBean().softEvictConnections();

    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<Long> read = threads.submit(() -> LsnContext.callWith(token, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, "ucrash", 1);
      }
    }));
    Deadline.await(PATIENCE, "the read to wait", () -> read.isDone() || LsnWaitDriver.trackers().stream()
        .anyMatch(tracker -> tracker.stats().waiters() > 0 || tracker.stats().waitsOnOwnConnection() > 0));
    assertFalse(read.isDone(), () -> "the read waits for the crashed standby: " + outcome(read));
    PgCluster.execute(standby, "ALTER SYSTEM RESET recovery_min_apply_delay");
    PgCluster.execute(standby, "SELECT pg_reload_conf()");
    assertEquals(1L, read.get(30, TimeUnit.SECONDS), "then it sees the write");
  }

  private static String outcome(Future<Long> read) {
    try {
      return "it returned " + read.get();
    } catch (Exception e) {
      return "it threw " + e;
    }
  }

  /** Inserts, retrying while the pool hands out connections that died with a crash. */
  private static void insertRetrying(DataSource primary, String table, int id) throws Exception {
    Deadline deadline = Deadline.after(PATIENCE);
    while (true) {
      try {
        insert(primary, table, id);
        return;
      } catch (SQLException e) {
        if (deadline.passed()) {
          throw e;
        }
        Thread.sleep(20); // poll again, until the deadline
      }
    }
  }
}

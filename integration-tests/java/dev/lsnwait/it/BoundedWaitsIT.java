package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.LsnContext;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.RoutingProxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every wait ends by its deadline, lsnwait's own troubles never look like the application's, and nothing waits twice.
 */
class BoundedWaitsIT extends ClusterTest {

  @Test
  void aPrimaryThatStopsAnsweringFailsTheReadByItsDeadlineWithoutAConnectionError() throws Exception {
    PgCluster own = ownCluster("hung");
    RoutingProxy toPrimary = closeLater(new RoutingProxy(own.primary()));
    HikariConfig config = new HikariConfig();
    // socketTimeout=0: pgjdbc itself would wait for an answer forever.
    config.setJdbcUrl("jdbc:lsnwait:postgresql://127.0.0.1:" + toPrimary.port() + "/postgres?socketTimeout=0");
    config.setUsername("postgres");
    HikariDataSource primary = closeLater(new HikariDataSource(config));
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "1s"));
    insert(primary, "hung", 1); // its WAL position is read later, when a read needs it
    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    toPrimary.freeze();
    try {
      long start = System.nanoTime();
      Future<Long> read = threads.submit(LsnContext.wrap(() -> {
        try (Connection c = replica.getConnection()) {
          return count(c, "hung", 1);
        }
      }));
      ExecutionException failure = assertThrows(ExecutionException.class, () -> read.get(30, TimeUnit.SECONDS));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertInstanceOf(PositionUnavailableException.class, failure.getCause());
      assertEquals("57014", ((SQLException) failure.getCause()).getSQLState(), "never 08xxx: pools would evict");
      assertTrue(tookMillis < 5_000, "ended by the read's 1 s deadline, took " + tookMillis + " ms");
      assertEquals(0, replica.getHikariPoolMXBean().getActiveConnections());
      try (Connection c = replica.getConnection()) {
        assertTrue(c.isValid(1), "the application's replica connection is fine");
      }
    } finally {
      toPrimary.thaw();
    }
  }

  @Test
  void aPositionConnectionThatDiedIsReplacedWithinTheRead() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    insert(primary, table, 1);
    LsnContext.current(); // lsnwait's position connection is open now
    PgCluster.execute(cluster.primary(),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lsnwait position'");
    insert(primary, table, 2);
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, table, 2), "no error: the dead connection was replaced at once");
    }
  }

  @Test
  void withProceedAThreadWaitsTheWholeTimeoutOnlyOnceForAPosition() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica =
        pool(cluster.replica(), Map.of("lsnwait.timeout", "500ms", "lsnwait.onTimeout", "proceed"));
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    insert(primary, table, 1);
    long timeouts = tracker.stats().timeouts();
    long proceeded = tracker.stats().proceededAfterTimeout();
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      try (Connection c = replica.getConnection()) {
        assertEquals(0L, count(c, table, 1), "stale, as proceed allows");
      }
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(tookMillis < 1_000, "one timeout of 500 ms, not three: took " + tookMillis + " ms");
    assertEquals(timeouts + 1, tracker.stats().timeouts());
    assertEquals(proceeded + 3, tracker.stats().proceededAfterTimeout());

    insert(primary, table, 2); // a newer write: the next read waits for it again
    start = System.nanoTime();
    try (Connection c = replica.getConnection()) {
      count(c, table, 2);
    }
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 500, "waited again for the new write");
  }
}

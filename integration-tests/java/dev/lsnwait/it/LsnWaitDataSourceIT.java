package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnWaitDataSource;
import dev.lsnwait.ReplicaTracker;
import java.sql.Connection;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Around HikariCP, a waiting reader holds no pooled connection: others can use the only one meanwhile. */
class LsnWaitDataSourceIT extends ClusterTest {

  @Test
  void waitsBeforeBorrowing() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(cluster.replica().lsnwaitUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(1);
    config.setConnectionTimeout(2_000);
    HikariDataSource hikari = closeLater(new HikariDataSource(config));
    LsnWaitDataSource replica = new LsnWaitDataSource(hikari);
    try (Connection first = replica.getConnection()) { // learns the replica's tracker
      assertEquals(0L, count(first, table, 1));
    }
    ReplicaTracker tracker = trackerOf(hikari);
    cluster.pauseReplay();

    ExecutorService executor = Executors.newSingleThreadExecutor();
    closeLater(executor::shutdownNow);
    Future<Long> reader =
        executor.submit(
            () -> {
              insert(primary, table, 1);
              try (Connection c = replica.getConnection()) {
                return count(c, table, 1);
              }
            });
    awaitWaiters(tracker, 1);
    assertEquals(0, hikari.getHikariPoolMXBean().getActiveConnections(), "the waiter holds no connection");
    try (Connection meanwhile = replica.getConnection()) { // this thread has no token: no wait
      assertEquals(0L, count(meanwhile, table, 1));
    }
    assertFalse(reader.isDone());
    cluster.resumeReplay();
    assertEquals(1L, reader.get(30, TimeUnit.SECONDS));
    assertEquals(hikari, replica.unwrap(HikariDataSource.class));
  }
}

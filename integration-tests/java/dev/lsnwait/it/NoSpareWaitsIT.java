package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.Latencies;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Work that wrote nothing makes no token: with the replica 100 ms behind a primary that others keep writing to,
 * replica reads that follow only reads on the primary do not wait; a SELECT of a function that writes does.
 */
class NoSpareWaitsIT extends ClusterTest {

  private final AtomicBoolean stop = new AtomicBoolean();
  private ExecutorService background;
  private String table;

  @BeforeEach
  void lagAndTraffic() throws Exception {
    table = newTable();
    PgCluster.execute(cluster.primary(), "CREATE OR REPLACE FUNCTION " + table + "_count() RETURNS bigint"
        + " LANGUAGE SQL STABLE AS $$ SELECT count(*) FROM " + table + " $$");
    PgCluster.execute(cluster.primary(), "CREATE OR REPLACE FUNCTION " + table + "_add(i int) RETURNS int"
        + " LANGUAGE SQL AS $$ INSERT INTO " + table + " VALUES (i, 'function') RETURNING i $$");
    cluster.setReplayDelay(Duration.ofMillis(100));
    background = Executors.newSingleThreadExecutor();
    background.submit(() -> { // someone else's writes keep the primary ahead of the replica
      try (Connection c = cluster.primary().connect(); Statement s = c.createStatement()) {
        for (int i = 100_000; !stop.get(); i++) {
          s.execute("INSERT INTO " + table + " VALUES (" + i + ", 'others')");
        }
      }
      return null;
    });
  }

  @AfterEach
  void calm() throws Exception {
    stop.set(true);
    background.shutdown();
    cluster.setReplayDelay(Duration.ZERO);
  }

  /** Kinds of work on the primary that write nothing. */
  private enum ReadOnlyWork {
    AUTO_COMMIT_SELECT {
      @Override
      void run(Connection c, String table) throws SQLException {
        query(c, "SELECT count(*) FROM " + table);
      }
    },
    READ_ONLY_TRANSACTION {
      @Override
      void run(Connection c, String table) throws SQLException {
        c.setReadOnly(true);
        c.setAutoCommit(false);
        query(c, "SELECT count(*) FROM " + table);
        c.commit();
        c.setAutoCommit(true);
        c.setReadOnly(false);
      }
    },
    COMMIT_OF_A_TRANSACTION_THAT_ONLY_READ {
      @Override
      void run(Connection c, String table) throws SQLException {
        c.setAutoCommit(false);
        query(c, "SELECT note FROM " + table + " WHERE id = 1");
        query(c, "SELECT now(), lower('X')");
        c.commit();
        c.setAutoCommit(true);
      }
    },
    VALIDATION_QUERY {
      @Override
      void run(Connection c, String table) throws SQLException {
        c.createStatement().execute("SELECT 1"); // what a pool's connectionTestQuery does
      }
    },
    SELECT_OF_A_STABLE_FUNCTION {
      @Override
      void run(Connection c, String table) throws SQLException {
        query(c, "SELECT " + table + "_count()");
      }
    };

    abstract void run(Connection c, String table) throws SQLException;

    static void query(Connection c, String sql) throws SQLException {
      try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
        rows.next();
      }
    }
  }

  @Test
  void readsThatFollowOnlyReadsOnThePrimaryDoNotWait() throws Exception {
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    // A function created after lsnwait first read the catalog is taken for a writer until it reads it again.
    Deadline.await(PATIENCE, "lsnwait to learn the function is STABLE", () -> {
      try (Connection c = primary.getConnection()) {
        LsnContext.clear();
        ReadOnlyWork.SELECT_OF_A_STABLE_FUNCTION.run(c, table);
        return LsnContext.current().isEmpty();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    long waits = tracker.stats().waits();
    Latencies reads = new Latencies();
    for (int round = 0; round < 10; round++) {
      for (ReadOnlyWork work : ReadOnlyWork.values()) {
        try (Connection c = primary.getConnection()) {
          work.run(c, table);
        }
        assertTrue(LsnContext.current().isEmpty(), work + " made a token");
        long start = System.nanoTime();
        try (Connection c = replica.getConnection()) {
          count(c, table, 1);
        }
        reads.add(System.nanoTime() - start);
      }
    }
    Latencies merged = Latencies.merge(List.of(reads));
    assertTrue(merged.percentileMillis(99) < 50, "p99 " + merged.percentileMillis(99) + " ms, lag 100 ms");
    assertEquals(waits, tracker.stats().waits(), "no replica read waited");
  }

  @Test
  void aSelectOfAFunctionThatWritesMakesATokenAndTheReadWaitsForIt() throws Exception {
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    try (Connection c = primary.getConnection()) {
      ReadOnlyWork.query(c, "SELECT " + table + "_add(7)");
    }
    assertTrue(!LsnContext.current().isEmpty(), "a VOLATILE function may write: a token");
    long start = System.nanoTime();
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, table, 7), "the read waited for it and sees it");
    }
    assertTrue((System.nanoTime() - start) / 1_000_000 >= 50, "it waited for the 100 ms lag");
  }
}

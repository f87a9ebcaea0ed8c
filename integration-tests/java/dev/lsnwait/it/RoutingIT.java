package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One URL for a primary and two streaming replicas with different lags ({@code lsnwait.replicas}): read-only work
 * on a replica that has replayed the thread's writes, or after a bounded wait on the primary; never stale.
 */
class RoutingIT extends ClusterTest {

  private static final AtomicInteger IDS = new AtomicInteger();
  private static PgCluster own;
  private static PgServer fast;
  private static PgServer slow;

  @BeforeAll
  static void startCluster2() {
    own = PgCluster.start(Duration.ZERO, false);
    fast = own.replica();
    slow = own.addStandby(Duration.ofMillis(200));
    PgCluster.execute(own.primary(), "CREATE TABLE routed (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(fast, PATIENCE);
    own.awaitCaughtUp(slow, PATIENCE);
  }

  @AfterAll
  static void stopCluster2() {
    own.close();
  }

  @BeforeEach
  void replaysRunning() {
    own.resumeReplay(fast);
    own.resumeReplay(slow);
  }

  static String routingUrl(String... settings) {
    return own.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + fast.port() + ",127.0.0.1:" + slow.port()
        + (settings.length == 0 ? "" : "&" + String.join("&", settings));
  }

  private HikariDataSource routingPool(String... settings) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(routingUrl(settings));
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    return closeLater(new HikariDataSource(config));
  }

  private static int write(Connection connection) throws SQLException {
    return RoutedRows.write(connection, "routed", IDS);
  }

  /** The port of the server that ran a read-only count of row {@code id}, and the count. */
  private static int[] readOnly(Connection connection, int id) throws SQLException {
    return RoutedRows.readOnly(connection, "routed", id);
  }

  /**
   * Until lsnwait has read the primary's function catalog (in the background, when the first connection opens), a
   * statement calling a function counts as one that may write, and runs on the primary.
   */
  private static void awaitFunctionCatalog(Connection connection) {
    Deadline.await(PATIENCE, "read-only work on a replica", () -> {
      try {
        connection.setReadOnly(true);
        try (Statement statement = connection.createStatement();
            ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery(), count(*) FROM routed")) {
          row.next();
          return row.getBoolean(1);
        } finally {
          connection.setReadOnly(false);
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void readOnlyWorkGoesToCaughtUpReplicasAndIsNeverStale() throws Exception {
    HikariDataSource pool = routingPool();
    Set<Integer> servers = new HashSet<>();
    int stale = 0;
    for (int i = 0; i < 100; i++) {
      try (Connection connection = pool.getConnection()) {
        int id = write(connection);
        int[] read = readOnly(connection, id);
        servers.add(read[0]);
        stale += read[1] == 1 ? 0 : 1;
      }
    }
    assertEquals(0, stale, "stale reads");
    assertTrue(servers.contains(fast.port()), "reads served by the replica that keeps up: " + servers);
    assertFalse(servers.contains(slow.port()), "never the replica 200 ms behind within the 20 ms wait: " + servers);
  }

  @Test
  void readsWithoutOwnWritesSpreadOverTheReplicas() throws Exception {
    HikariDataSource pool = routingPool();
    Set<Integer> servers = new HashSet<>();
    try (Connection connection = pool.getConnection()) {
      awaitFunctionCatalog(connection);
      for (int i = 0; i < 20; i++) {
        servers.add(readOnly(connection, -1)[0]);
      }
      assertEquals(Set.of(fast.port(), slow.port()), servers, connection.unwrap(LsnWaitConnection.class).toString());
    }
  }

  @Test
  void whenNoReplicaCatchesUpInTimeThePrimaryServesTheRead() throws Exception {
    HikariDataSource pool = routingPool("lsnwait.replicaWait=50ms");
    own.pauseReplay(fast);
    own.pauseReplay(slow);
    try (Connection connection = pool.getConnection()) {
      int id = write(connection);
      long start = System.nanoTime();
      int[] read = readOnly(connection, id);
      long waitedMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(own.primary().port(), read[0], "the primary served it");
      assertEquals(1, read[1]);
      assertTrue(waitedMillis >= 45, "waited for a replica first: " + waitedMillis + " ms");
    }
  }

  @Test
  void aReplicaThatCatchesUpWithinTheWaitServesTheRead() throws Exception {
    HikariDataSource pool = routingPool("lsnwait.replicaWait=5s");
    try (Connection connection = pool.getConnection()) {
      readOnly(connection, -1); // opens the replicas
      own.pauseReplay(fast);
      int id = write(connection);
      int[] read = readOnly(connection, id); // fast is paused, slow replays 200 ms later
      assertEquals(slow.port(), read[0]);
      assertEquals(1, read[1]);
    }
  }

  @Test
  void aTransactionStaysOnOneServerUntilItEnds() throws Exception {
    HikariDataSource pool = routingPool();
    try (Connection connection = pool.getConnection()) {
      connection.setReadOnly(true);
      connection.setAutoCommit(false);
      Set<String> backends = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        try (Statement statement = connection.createStatement();
            ResultSet row = statement.executeQuery("SELECT pg_backend_pid() || '@' || inet_server_port(),"
                + " pg_is_in_recovery(), txid_current_if_assigned() IS NULL")) {
          row.next();
          backends.add(row.getString(1));
          assertTrue(row.getBoolean(2), "on a replica");
        }
      }
      assertEquals(1, backends.size(), "one backend for the transaction: " + backends);
      connection.commit();
      connection.setAutoCommit(true);
      connection.setReadOnly(false);
      try (Statement statement = connection.createStatement();
          ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery()")) {
        row.next();
        assertFalse(row.getBoolean(1), "read-write work on the primary");
      }
    }
  }

  @Test
  void aStatementMovesWithItsParametersOptionsAndBatch() throws Exception {
    HikariDataSource pool = routingPool();
    try (Connection connection = pool.getConnection();
        PreparedStatement statement = connection.prepareStatement(
            "SELECT pg_is_in_recovery(), ?::int + 1 FROM generate_series(1, 10)")) {
      statement.setInt(1, 41);
      statement.setFetchSize(3);
      statement.setMaxRows(2);
      for (boolean readOnly : new boolean[] {true, false, true}) {
        connection.setReadOnly(readOnly);
        int rows = 0;
        try (ResultSet result = statement.executeQuery()) {
          assertEquals(statement, result.getStatement());
          while (result.next()) {
            rows++;
            assertEquals(readOnly, result.getBoolean(1));
            assertEquals(42, result.getInt(2));
          }
        }
        assertEquals(2, rows, "maxRows followed the statement");
        assertEquals(3, statement.getFetchSize());
      }
      connection.setReadOnly(false);
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO routed VALUES (?, ?)")) {
        int first = IDS.incrementAndGet();
        int second = IDS.incrementAndGet();
        insert.setInt(1, first);
        insert.setString(2, "a");
        insert.addBatch();
        insert.setInt(1, second);
        insert.addBatch();
        assertEquals(2, insert.executeBatch().length);
        assertEquals(1, readOnly(connection, second)[1]);
      }
    }
  }

  @Test
  void sessionStateFollowsToTheReplicas() throws Exception {
    HikariDataSource pool = routingPool();
    try (Connection connection = pool.getConnection()) {
      assertTrue(connection.isValid(1));
      connection.setSchema("pg_catalog");
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      connection.setClientInfo("ApplicationName", "routing-test");
      connection.setReadOnly(true);
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement();
          ResultSet row = statement.executeQuery("SELECT current_schema(), current_setting('transaction_isolation'),"
              + " current_setting('application_name'), pg_is_in_recovery(),"
              + " current_setting('transaction_read_only')")) {
        row.next();
        assertEquals("pg_catalog", row.getString(1));
        assertEquals("repeatable read", row.getString(2));
        assertEquals("routing-test", row.getString(3));
        assertTrue(row.getBoolean(4));
        assertEquals("on", row.getString(5));
      }
      connection.rollback();
      assertEquals("pg_catalog", connection.getSchema());
      assertEquals(Connection.TRANSACTION_REPEATABLE_READ, connection.getTransactionIsolation());
      assertEquals(LsnWaitConnection.Role.ROUTING, connection.unwrap(LsnWaitConnection.class).role());
      assertEquals(connection.unwrap(LsnWaitConnection.class),
          connection.getMetaData().getConnection().unwrap(LsnWaitConnection.class));
    }
  }

  @Test
  void aStoppedReplicaIsSkippedAndUsedAgainWhenItIsBack() throws Exception {
    HikariDataSource pool = routingPool();
    try (Connection connection = pool.getConnection()) {
      readOnly(connection, -1);
      fast.stop("fast");
      try {
        for (int i = 0; i < 30; i++) {
          int id = write(connection);
          int[] read = readOnly(connection, id); // never an error while the primary can serve
          assertEquals(1, read[1]);
          assertTrue(read[0] != fast.port());
        }
      } finally {
        fast.start();
      }
      own.awaitCaughtUp(fast, PATIENCE);
      try {
        Deadline.await(PATIENCE, "reads on the restarted replica", () -> {
          try {
            return readOnly(connection, -1)[0] == fast.port() || readOnly(connection, -1)[0] == fast.port();
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + ": " + connection.unwrap(LsnWaitConnection.class), e);
      }
    }
  }

  @Test
  void aReplicaStoppedAndRestartedUnderLoadCostsNoErrorAndNoStaleRead() throws Exception {
    HikariDataSource pool = routingPool();
    pool.setMaximumPoolSize(4);
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger stale = new AtomicInteger();
    java.util.concurrent.ExecutorService load = java.util.concurrent.Executors.newFixedThreadPool(4);
    closeLater(load::shutdownNow);
    java.util.List<java.util.concurrent.Future<?>> workers = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(load.submit(() -> {
        while (running.get()) {
          try (Connection connection = pool.getConnection()) {
            int id = write(connection);
            stale.addAndGet(readOnly(connection, id)[1] == 1 ? 0 : 1);
            reads.incrementAndGet();
          }
        }
        return null;
      }));
    }
    Deadline.await(PATIENCE, "reads under way", () -> reads.get() > 50);
    fast.stop("immediate");
    int before = reads.get();
    Deadline.await(PATIENCE, "reads while the replica is down", () -> reads.get() > before + 100);
    fast.start();
    own.awaitCaughtUp(fast, PATIENCE);
    int after = reads.get();
    Deadline.await(PATIENCE, "reads after it is back", () -> reads.get() > after + 100);
    running.set(false);
    for (java.util.concurrent.Future<?> worker : workers) {
      worker.get(30, java.util.concurrent.TimeUnit.SECONDS); // rethrows any error a read met
    }
    assertEquals(0, stale.get(), "stale reads of " + reads.get());
    try (Connection connection = pool.getConnection()) {
      Deadline.await(PATIENCE, "reads on the restarted replica, after its back-off", () -> {
        try {
          return readOnly(connection, -1)[0] == fast.port();
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  @Test
  void aPromotedReplicaIsNoLongerUsed() throws Exception {
    PgCluster separate = closeLater(PgCluster.start(Duration.ZERO, false));
    PgServer standby = separate.replica();
    PgCluster.execute(separate.primary(), "CREATE TABLE routed (id int PRIMARY KEY, note text)");
    separate.awaitCaughtUp(standby, PATIENCE);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(separate.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + standby.port());
    config.setUsername("postgres");
    config.setMaximumPoolSize(1);
    HikariDataSource pool = closeLater(new HikariDataSource(config));
    try (Connection connection = pool.getConnection()) {
      awaitFunctionCatalog(connection);
      assertEquals(standby.port(), readOnly(connection, -1)[0]);
      separate.promote(standby);
      Deadline.await(PATIENCE, "the promoted standby to be left", () -> {
        try {
          return readOnly(connection, -1)[0] == separate.primary().port();
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      for (int i = 0; i < 5; i++) {
        assertEquals(separate.primary().port(), readOnly(connection, -1)[0]);
      }
    }
  }

  @Test
  void writesInAReadOnlyTransactionFailAsWithPgjdbc() throws Exception {
    HikariDataSource pool = routingPool();
    try (Connection connection = pool.getConnection()) {
      connection.setReadOnly(true);
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.executeQuery("SELECT 1").close();
        SQLException refused = assertThrows(SQLException.class,
            () -> statement.executeUpdate("INSERT INTO routed VALUES (-5, 'no')"));
        assertEquals("25006", refused.getSQLState());
      }
      connection.rollback();
    }
  }

  @Test
  void badReplicaAddressesAreRefusedWithAClearError() {
    SQLException error = assertThrows(SQLException.class, () -> java.sql.DriverManager.getConnection(
        own.primary().lsnwaitUrl() + "?lsnwait.replicas=a b:5432", "postgres", ""));
    assertTrue(error.getMessage().contains("lsnwait.replicas"), error.getMessage());
  }
}

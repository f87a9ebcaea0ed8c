package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.PinnedReplicaTimeoutException;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The routing URL where work meets the edges of placement: a transaction begun in SQL, a transaction pinned to a
 * replica that falls behind the thread's own write, and a replica that hangs (issue 19, items 5 to 7).
 */
class RoutingFaultsIT extends ClusterTest {

  /** Far below {@code lsnwait.timeout} (5 s) and above the 20 ms {@code lsnwait.replicaWait} plus a busy machine. */
  private static final Duration WELL_BELOW_TIMEOUT = Duration.ofSeconds(2);
  private static final AtomicInteger IDS = new AtomicInteger();
  private static PgCluster own;
  private static PgServer first;
  private static PgServer second;

  @BeforeAll
  static void startOwnCluster() {
    own = PgCluster.start(Duration.ZERO, false);
    first = own.replica();
    second = own.addStandby(Duration.ZERO);
    PgCluster.execute(own.primary(), "CREATE TABLE faults (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(first, PATIENCE);
    own.awaitCaughtUp(second, PATIENCE);
  }

  @AfterAll
  static void stopOwnCluster() {
    own.close();
  }

  @BeforeEach
  void replaysRunning() {
    own.resumeReplay(first);
    own.resumeReplay(second);
  }

  /** A routing connection over {@code replicas}. */
  private Connection routing(PgServer... replicas) throws SQLException {
    StringBuilder addresses = new StringBuilder();
    for (PgServer replica : replicas) {
      addresses.append(addresses.length() == 0 ? "" : ",").append("127.0.0.1:").append(replica.port());
    }
    return closeLater(DriverManager.getConnection(
        own.primary().lsnwaitUrl() + "?lsnwait.replicas=" + addresses, "postgres", ""));
  }

  private static int write(Connection connection) throws SQLException {
    return RoutedRows.write(connection, "faults", IDS);
  }

  /** The port of the server that ran a read-only count of row {@code id}, and the count. */
  private static int[] readOnly(Connection connection, int id) throws SQLException {
    return RoutedRows.readOnly(connection, "faults", id);
  }

  /** {@code pid@port} of the backend that ran a statement. */
  private static String backend(Statement statement) throws SQLException {
    try (ResultSet row = statement.executeQuery("SELECT pg_backend_pid() || '@' || inet_server_port()")) {
      row.next();
      return row.getString(1);
    }
  }

  private static int port(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT inet_server_port()")) {
      row.next();
      return row.getInt(1);
    }
  }

  /** Until lsnwait has read the primary's function catalog, statements calling functions run on the primary. */
  private static void awaitReplicaServes(Connection connection) {
    Deadline.await(PATIENCE, "read-only work on a replica", () -> {
      try {
        return readOnly(connection, -1)[0] != own.primary().port();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static long idleInTransaction(PgServer server) {
    return PgCluster.queryLong(server, "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'");
  }

  // ---- 5: a transaction begun with SQL

  @Test
  void aTransactionBegunInSqlNeverSpansTwoServers() throws Exception {
    for (String begin : new String[] {"BEGIN", "START TRANSACTION"}) {
      Connection connection = routing(first, second);
      awaitReplicaServes(connection);
      connection.setReadOnly(true); // auto-commit stays on: the transaction is the SQL's
      try (Statement statement = connection.createStatement()) {
        statement.execute(begin);
        Set<String> backends = new HashSet<>();
        for (int i = 0; i < 4; i++) {
          backends.add(backend(statement));
        }
        assertEquals(1, backends.size(), begin + ": every statement on the backend that began it: " + backends);
        assertNotEquals(own.primary().port(), Integer.parseInt(backends.iterator().next().split("@")[1]));
        SQLException refused = assertThrows(SQLException.class,
            () -> statement.executeUpdate("INSERT INTO faults VALUES (" + IDS.incrementAndGet() + ", 'no')"),
            begin + ": a write inside the replica's transaction fails as in any read-only transaction");
        assertEquals("25006", refused.getSQLState());
        statement.execute("COMMIT"); // ends the (failed) transaction where it runs
      }
      Deadline.await(PATIENCE, "no replica session left idle in a transaction",
          () -> idleInTransaction(first) + idleInTransaction(second) == 0);
      connection.setReadOnly(false); // refused mid-transaction: nothing is open any more
      int id = write(connection);
      assertEquals(1, readOnly(connection, id)[1], "placed afresh after COMMIT, and not stale");
    }
  }

  @Test
  void aReadWriteTransactionBegunInSqlRunsOnThePrimaryAndItsCommitIsSeen() throws Exception {
    Connection connection = routing(first, second);
    awaitReplicaServes(connection);
    int id = IDS.incrementAndGet();
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN");
      statement.executeUpdate("INSERT INTO faults VALUES (" + id + ", 'sql')");
      assertEquals(own.primary().port(), port(connection));
      statement.execute("COMMIT");
    }
    assertEquals(1, readOnly(connection, id)[1], "the SQL COMMIT made a token: the read sees the row");
  }

  // ---- 6: a read-only transaction pinned to a replica, behind the thread's newer write

  @Test
  void aPinnedTransactionBehindTheThreadsWriteFailsAfterReplicaWaitNotTheTimeout() throws Exception {
    Connection reader = routing(first, second);
    Connection writer = routing(first, second);
    awaitReplicaServes(reader);
    reader.setReadOnly(true); // as Spring's @Transactional(readOnly = true)
    reader.setAutoCommit(false);
    int pinnedPort = port(reader);
    assertNotEquals(own.primary().port(), pinnedPort, "the transaction runs on a replica");
    PgServer pinned = pinnedPort == first.port() ? first : second;
    own.pauseReplay(pinned);
    try {
      write(writer); // REQUIRES_NEW: committed on the primary by the same thread
      long start = System.nanoTime();
      ReplicationTimeoutException failure = assertThrows(ReplicationTimeoutException.class, () -> port(reader));
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(waited < WELL_BELOW_TIMEOUT.toMillis(), "bounded by lsnwait.replicaWait, not lsnwait.timeout: "
          + waited + " ms");
      assertTrue(failure.replica().endsWith(":" + pinnedPort), failure.replica());
      assertTrue(failure.getMessage().contains("lsnwait.replicaWait")
          && failure.getMessage().contains("cannot move to the primary"), failure.getMessage());
      assertEquals("57014", failure.getSQLState());
      assertInstanceOf(PinnedReplicaTimeoutException.class, failure);
      reader.rollback();
      int id = write(writer);
      reader.setAutoCommit(true);
      int[] read = readOnly(reader, id); // the next unit of work is placed afresh: not the paused replica
      assertEquals(1, read[1]);
      assertNotEquals(pinnedPort, read[0]);
    } finally {
      own.resumeReplay(pinned);
    }
  }

  // ---- 7: a replica that hangs

  @Test
  void aFrozenReplicaSendsReadOnlyWorkToThePrimaryWithinABoundAndServesAgainWhenThawed() throws Exception {
    Connection connection = routing(first);
    awaitReplicaServes(connection);
    assertEquals(first.port(), readOnly(connection, -1)[0]);
    int primary = own.primary().port();
    first.freeze();
    try {
      // A connection that opens now meets the frozen server at once: its attempt is bounded.
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
        try (Connection fresh = DriverManager.getConnection(
            own.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + first.port(), "postgres", "")) {
          assertEquals(primary, readOnly(fresh, -1)[0]);
        }
      }, "a new connection's read-only work with the replica frozen");
      // The older connection's replica was last checked before that attempt began, more than its 1 s interval
      // ago: its next read-only work checks it first, and that check is bounded too.
      for (int i = 0; i < 5; i++) {
        int id = write(connection);
        int[] read = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> readOnly(connection, id),
            "read-only work with the replica frozen");
        assertEquals(primary, read[0]);
        assertEquals(1, read[1]);
      }
    } finally {
      first.thaw();
    }
    own.awaitCaughtUp(first, PATIENCE);
    Deadline.await(PATIENCE, "read-only work on the thawed replica, after its back-off", () -> {
      try {
        return readOnly(connection, -1)[0] == first.port();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.testkit.Deadline;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Temporary tables and holdable cursors live in one server session: the primary's, where the routing connection
 * makes them. Read-only work that may name them runs there, as it does with plain pgjdbc, until they are gone; a
 * temporary table that shadows a permanent one is read, not the replica's permanent table.
 */
class SessionObjectsIT extends ClusterTest {

  @AfterEach
  void replayRunning() {
    cluster.resumeReplay();
  }

  private Connection routing() throws SQLException {
    Connection connection = closeLater(DriverManager.getConnection(cluster.routingUrl(), "postgres", ""));
    awaitReplicaReads(connection);
    return connection;
  }

  /**
   * Until lsnwait has read the primary's catalog (when the first connection opens, and again after DDL), reads of
   * relations count as writes and run on the primary: waits, on a connection of its own, for reads on the replica.
   */
  private void awaitCatalog() throws SQLException {
    try (Connection other = DriverManager.getConnection(cluster.routingUrl(), "postgres", "")) {
      awaitReplicaReads(other);
    }
  }

  private static void awaitReplicaReads(Connection connection) {
    Deadline.await(PATIENCE, "read-only work on the replica", () -> {
      try {
        connection.setReadOnly(true);
        try {
          return where(connection, "SELECT pg_is_in_recovery(), count(*) FROM pg_class").inRecovery;
        } finally {
          connection.setReadOnly(false);
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private record Answer(boolean inRecovery, long value) {}

  private static Answer where(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
      assertTrue(row.next());
      return new Answer(row.getBoolean(1), row.getLong(2));
    }
  }

  private static void run(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Test
  void aTemporaryTableThatShadowsAPermanentOneIsReadOnThePrimaryUntilDropped() throws Exception {
    String table = newTable();
    insert(pool(cluster.primary()), table, 1);
    cluster.awaitReplicaCaughtUp(PATIENCE);
    Connection connection = routing();
    run(connection, "CREATE TEMP TABLE " + table + " (id int PRIMARY KEY, note text)");
    run(connection, "INSERT INTO " + table + " VALUES (7, 'temp'), (8, 'temp')");
    awaitCatalog();
    connection.setReadOnly(true);
    String count = "SELECT pg_is_in_recovery(), count(*) FROM " + table;
    Answer auto = where(connection, count);
    assertEquals(2, auto.value, "the temporary table, as with plain pgjdbc, not the replica's permanent one");
    assertFalse(auto.inRecovery);
    connection.setAutoCommit(false);
    assertEquals(new Answer(false, 2), where(connection, count), "a read-only transaction too");
    connection.commit();
    connection.setAutoCommit(true);
    connection.setReadOnly(false);
    run(connection, "DROP TABLE " + table); // the temporary one: it comes first in the search path
    awaitCatalog();
    connection.setReadOnly(true);
    assertEquals(new Answer(true, 1), where(connection, count), "gone: read-only work on the replica again");
  }

  @Test
  void aTemporaryTableDroppedAtCommitLeavesReadsOnTheReplica() throws Exception {
    Connection connection = routing();
    connection.setAutoCommit(false);
    run(connection, "CREATE TEMP TABLE scratch (n int) ON COMMIT DROP");
    run(connection, "INSERT INTO scratch VALUES (1)");
    connection.commit();
    connection.setAutoCommit(true);
    connection.setReadOnly(true);
    assertTrue(where(connection, "SELECT pg_is_in_recovery(), 0").inRecovery);
  }

  @Test
  void aTemporaryTableMadeInAReadOnlyTransactionsFirstStatementIsReadThere() throws Exception {
    String table = newTable();
    Connection connection = routing();
    connection.setReadOnly(true);
    run(connection, "SELECT * INTO TEMP scratch_copy FROM " + table);
    awaitCatalog();
    assertEquals(new Answer(false, 0), where(connection, "SELECT pg_is_in_recovery(), count(*) FROM scratch_copy"));
    run(connection, "DISCARD TEMP");
    awaitCatalog();
    assertTrue(where(connection, "SELECT pg_is_in_recovery(), 0").inRecovery, "discarded: the replica again");
  }

  @Test
  void aHoldableCursorIsFetchedWhereItWasDeclaredWhileTheReplicaIsBehind() throws Exception {
    String table = newTable();
    Connection connection = routing();
    connection.setReadOnly(true);
    run(connection, "DECLARE held CURSOR WITH HOLD FOR SELECT pg_is_in_recovery(), n FROM generate_series(1, 3) n");
    cluster.pauseReplay();
    connection.setReadOnly(false);
    run(connection, "INSERT INTO " + table + " VALUES (1, 'token')"); // a token the replica cannot replay yet
    connection.setReadOnly(true);
    assertEquals(1, where(connection, "FETCH 1 FROM held").value);
    assertEquals(2, where(connection, "FETCH 1 FROM held").value);
    run(connection, "CLOSE held");
    cluster.resumeReplay();
    cluster.awaitReplicaCaughtUp(PATIENCE);
    assertTrue(where(connection, "SELECT pg_is_in_recovery(), 0").inRecovery, "closed: the replica again");
  }

  @Test
  void sqlPreparedStatementsAndListeningActOnThePrimarysSessionInReadOnlyWorkToo() throws Exception {
    Connection connection = routing();
    connection.setReadOnly(true);
    run(connection, "PREPARE counted AS SELECT pg_is_in_recovery(), 5");
    assertEquals(new Answer(false, 5), where(connection, "EXECUTE counted"), "EXECUTE runs on the primary");
    run(connection, "DEALLOCATE counted");
    run(connection, "LISTEN lsnwait_session_objects"); // a standby refuses LISTEN
    run(connection, "UNLISTEN *");
    awaitReplicaReads(connection); // nothing holds reads on the primary (once the replica replayed EXECUTE's token)
  }

  /**
   * Ways to make a temporary table other than CREATE TEMP (found by review), each sent as a batch (its lines):
   * each shadows the permanent table.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "INSERT INTO %2$s VALUES (1, 'w')\nCREATE TEMP TABLE %1$s (id int, note text)\n"
          + "INSERT INTO %1$s VALUES (7, 'temp'), (8, 'temp')", // a write first
      "DO $$ BEGIN CREATE TEMP TABLE %1$s (id int, note text); INSERT INTO %1$s VALUES (7, 't'), (8, 't'); END $$",
      "SET search_path = pg_temp, public\nCREATE TABLE %1$s (id int, note text)\n"
          + "INSERT INTO %1$s VALUES (7, 'temp'), (8, 'temp')\nRESET search_path",
      "SELECT n AS id, 'temp'::text AS note INTO pg_temp.%1$s FROM generate_series(7, 8) n",
      "EXPLAIN ANALYZE CREATE TEMP TABLE %1$s AS SELECT n AS id FROM generate_series(7, 8) n"})
  void aTemporaryTableMadeAnyWayIsReadOnThePrimary(String made) throws Exception {
    String table = newTable();
    insert(pool(cluster.primary()), table, 1);
    cluster.awaitReplicaCaughtUp(PATIENCE);
    Connection connection = routing();
    try (Statement statement = connection.createStatement()) {
      for (String sql : String.format(made, table, newTable()).split("\n")) {
        statement.addBatch(sql);
      }
      statement.executeBatch();
    }
    awaitCatalog();
    connection.setReadOnly(true);
    assertEquals(new Answer(false, 2), where(connection, "SELECT pg_is_in_recovery(), count(*) FROM " + table),
        "the temporary table (2 rows), not the replica's permanent one (1 row): " + made);
  }

  /**
   * A cursor declared with hold in a read-only transaction on a replica stays there, and holds nothing else: later
   * read-only work is placed as before (here, with the replica behind the thread's write, on the primary at once).
   */
  @Test
  void aCursorHeldOnAReplicaDoesNotHoldOtherReadsThere() throws Exception {
    String table = newTable();
    Connection connection = routing();
    connection.setReadOnly(true);
    connection.setAutoCommit(false);
    assertTrue(where(connection, "SELECT pg_is_in_recovery(), 0").inRecovery, "a replica runs the transaction");
    run(connection, "DECLARE held CURSOR WITH HOLD FOR SELECT pg_is_in_recovery(), n FROM generate_series(1, 3) n");
    connection.commit();
    connection.setAutoCommit(true);
    cluster.pauseReplay();
    connection.setReadOnly(false);
    run(connection, "INSERT INTO " + table + " VALUES (1, 'token')");
    connection.setReadOnly(true);
    assertFalse(where(connection, "SELECT pg_is_in_recovery(), count(*) FROM pg_class").inRecovery);
    run(connection, "LISTEN lsnwait_session_objects");
  }
}

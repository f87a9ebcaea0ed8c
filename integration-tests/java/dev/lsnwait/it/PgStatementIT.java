package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.PGStatement;
import org.postgresql.jdbc.PgStatement;

/**
 * pgjdbc's public statement API ({@link PGStatement}: {@code getLastOID}, {@code setPrepareThreshold}, ...) through
 * lsnwait's statements, plain and prepared and callable, on the plain and the routing URL: each answers as pgjdbc's
 * own statement does, its settings reach pgjdbc (and follow a routing statement to every server it runs on), and a
 * statement cast or unwrapped to it keeps lsnwait's hooks.
 */
class PgStatementIT extends ClusterTest {

  private static Connection open(String url) throws SQLException {
    return DriverManager.getConnection(url, "postgres", "");
  }

  /** A table, and a procedure {@code <table>_add(id)} that inserts a row into it: a write a callable makes. */
  private String tableWithProcedure() {
    String table = newTable();
    PgCluster.execute(cluster.primary(), "CREATE PROCEDURE " + table + "_add(i int) LANGUAGE SQL AS $$"
        + " INSERT INTO " + table + " VALUES (i, 'call') $$");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    return table;
  }

  /** Every setting, changed and read back as pgjdbc's own tests do; what the statement answered, in order. */
  @SuppressWarnings("deprecation") // setUseServerPrepare: pgjdbc's tests still call it
  private static List<Object> settings(Statement statement) throws SQLException {
    PGStatement pg = (PGStatement) statement;
    List<Object> seen = new ArrayList<>();
    pg.setPrepareThreshold(3);
    seen.add(pg.getPrepareThreshold());
    pg.setUseServerPrepare(false);
    seen.add(pg.isUseServerPrepare());
    seen.add(pg.getPrepareThreshold());
    pg.setUseServerPrepare(true);
    seen.add(pg.getPrepareThreshold());
    // Last, a threshold after setUseServerPrepare: a routing statement must make them again in this order.
    pg.setPrepareThreshold(9);
    pg.setAdaptiveFetch(true);
    seen.add(pg.getPrepareThreshold());
    seen.add(pg.getAdaptiveFetch());
    return seen;
  }

  /** The settings {@link #settings} left, as the statement and as pgjdbc's statement under it tell. */
  private static void assertSettingsHeld(Statement statement) throws SQLException {
    PGStatement pg = (PGStatement) statement;
    PgStatement raw = statement.unwrap(PgStatement.class);
    assertEquals(List.of(9, true, 9, true),
        List.of(pg.getPrepareThreshold(), pg.getAdaptiveFetch(), raw.getPrepareThreshold(), raw.getAdaptiveFetch()));
  }

  /** A write by each kind of statement, cast to PGStatement: the settings, then each write's {@code getLastOID}. */
  private static List<Object> writeThroughEachKind(Connection connection, String table, int firstId)
      throws SQLException {
    List<Object> seen = new ArrayList<>();
    try (Statement plain = connection.createStatement();
        PreparedStatement prepared = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, 'p')");
        CallableStatement callable = connection.prepareCall("CALL " + table + "_add(?)")) {
      for (Statement statement : List.of(plain, prepared, callable)) {
        seen.addAll(settings(statement));
      }
      plain.executeUpdate("INSERT INTO " + table + " VALUES (" + firstId + ", 's')");
      prepared.setInt(1, firstId + 1);
      prepared.executeUpdate();
      prepared.setInt(1, firstId + 2);
      prepared.executeUpdate(); // a second execution: pgjdbc counts them against the threshold
      callable.setInt(1, firstId + 3);
      callable.execute();
      for (Statement statement : List.of(plain, prepared, callable)) {
        assertSettingsHeld(statement);
        seen.add(((PGStatement) statement).getLastOID());
        seen.add(((PGStatement) statement).isUseServerPrepare());
      }
    }
    return seen;
  }

  @Test
  void statementsArePgStatementsAndAnswerAsPgjdbcDoes() throws Exception {
    String table = tableWithProcedure();
    List<Object> pgjdbc;
    try (Connection plain = open(cluster.primary().jdbcUrl())) {
      pgjdbc = writeThroughEachKind(plain, table, 1);
    }
    try (Connection lsnwait = open(cluster.primary().lsnwaitUrl())) {
      assertEquals(pgjdbc, writeThroughEachKind(lsnwait, table, 11));
    }
  }

  @Test
  void unwrappingToPgStatementKeepsTheHooks() throws Exception {
    String table = tableWithProcedure();
    try (Connection connection = open(cluster.primary().lsnwaitUrl());
        Statement plain = connection.createStatement();
        PreparedStatement prepared = connection.prepareStatement("INSERT INTO " + table + " VALUES (1, 'p')");
        CallableStatement callable = connection.prepareCall("CALL " + table + "_add(2)")) {
      for (Statement statement : List.of(plain, prepared, callable)) {
        assertTrue(statement.isWrapperFor(PGStatement.class));
        assertSame(statement, statement.unwrap(PGStatement.class), "the proxy itself, not pgjdbc's statement");
      }
      LsnContext.clear();
      ((Statement) plain.unwrap(PGStatement.class)).executeUpdate("INSERT INTO " + table + " VALUES (3, 's')");
      assertFalse(LsnContext.current().isEmpty(), "the write made a token");
      for (PreparedStatement statement : List.of(prepared, callable)) {
        LsnContext.clear();
        ((PreparedStatement) statement.unwrap(PGStatement.class)).execute();
        assertFalse(LsnContext.current().isEmpty(), "the write made a token: " + statement);
      }
    }
  }

  /** A query that answers {@code pg_is_in_recovery()}. */
  @FunctionalInterface
  private interface Query {
    ResultSet run() throws SQLException;
  }

  /** Whether the routing connection runs a read-only query on a replica (once it has read the function catalog). */
  private static boolean onReplica(Connection routing, Query query) throws SQLException {
    routing.setReadOnly(true);
    try (ResultSet row = query.run()) {
      row.next();
      return row.getBoolean(1);
    } finally {
      routing.setReadOnly(false);
    }
  }

  private static void awaitReplicaReads(Connection routing) {
    Deadline.await(PATIENCE, "read-only work on a replica", () -> {
      try (Statement statement = routing.createStatement()) {
        return onReplica(routing, () -> statement.executeQuery("SELECT pg_is_in_recovery()"));
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void routingStatementsKeepTheirSettingsOnEveryServer() throws Exception {
    String table = tableWithProcedure();
    // A read after the thread's write waits for the replica rather than going to the primary: each read moves.
    try (Connection routing = open(cluster.routingUrl() + "&lsnwait.replicaWait=5s");
        Statement plain = routing.createStatement();
        PreparedStatement prepared = routing.prepareStatement("SELECT pg_is_in_recovery()");
        CallableStatement callable = routing.prepareCall("CALL " + table + "_add(?)")) {
      awaitReplicaReads(routing);
      List<Object> expected;
      try (Connection pgjdbc = open(cluster.primary().jdbcUrl());
          Statement s = pgjdbc.createStatement();
          PreparedStatement p = pgjdbc.prepareStatement("SELECT pg_is_in_recovery()");
          CallableStatement c = pgjdbc.prepareCall("CALL " + table + "_add(?)")) {
        expected = new ArrayList<>(settings(s));
        expected.addAll(settings(p));
        expected.addAll(settings(c));
      }
      List<Object> seen = new ArrayList<>(settings(plain)); // set before it runs anywhere: made again where it runs
      seen.addAll(settings(prepared));
      seen.addAll(settings(callable));
      assertEquals(expected, seen);

      PgStatement before = plain.unwrap(PgStatement.class);
      assertTrue(onReplica(routing, () -> plain.executeQuery("SELECT pg_is_in_recovery()")), "read-only: a replica");
      assertSettingsHeld(plain);
      plain.executeUpdate("INSERT INTO " + table + " VALUES (1, 's')");
      assertEquals(0L, ((PGStatement) plain).getLastOID(), "tables have no OIDs: pgjdbc answers 0");
      assertNotSame(before, plain.unwrap(PgStatement.class), "the write moved it to the primary");
      assertSettingsHeld(plain);

      assertTrue(onReplica(routing, prepared::executeQuery), "read-only: on the replica");
      assertSettingsHeld(prepared);
      PgStatement replicas = prepared.unwrap(PgStatement.class);
      try (ResultSet row = prepared.executeQuery()) {
        row.next();
        assertFalse(row.getBoolean(1), "read-write: on the primary");
      }
      assertNotSame(replicas, prepared.unwrap(PgStatement.class), "it moved to the primary");
      assertSettingsHeld(prepared);

      callable.setInt(1, 2);
      LsnContext.clear();
      callable.execute();
      assertFalse(LsnContext.current().isEmpty(), "the call's write made a token");
      assertSettingsHeld(callable);
      assertEquals(0L, ((PGStatement) callable).getLastOID());
      for (Statement statement : List.of(plain, prepared, callable)) {
        assertSame(statement, statement.unwrap(PGStatement.class), "the routing statement itself");
      }
    }
  }
}

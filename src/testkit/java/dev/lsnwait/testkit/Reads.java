package dev.lsnwait.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Assertions that a read saw (or did not see) a write: run a query through the application's own connection or data
 * source, and say which server answered when it fails.
 */
public final class Reads {

  private Reads() {}

  /** Asserts that {@code query} (with its parameters) returns at least one row through {@code source}. */
  public static void assertSeen(DataSource source, String query, Object... parameters) throws SQLException {
    try (Connection connection = source.getConnection()) {
      assertSeen(connection, query, parameters);
    }
  }

  /** Asserts that {@code query} returns at least one row on {@code connection}. */
  public static void assertSeen(Connection connection, String query, Object... parameters) throws SQLException {
    if (!returnsRows(connection, query, parameters)) {
      fail("stale read: no row for " + query + " on " + server(connection));
    }
  }

  /** Asserts that {@code query} returns no row through {@code source} (a stale read, as a control). */
  public static void assertNotSeen(DataSource source, String query, Object... parameters) throws SQLException {
    try (Connection connection = source.getConnection()) {
      assertNotSeen(connection, query, parameters);
    }
  }

  /** Asserts that {@code query} returns no row on {@code connection} (a stale read, as a control). */
  public static void assertNotSeen(Connection connection, String query, Object... parameters) throws SQLException {
    if (returnsRows(connection, query, parameters)) {
      fail("expected no row for " + query + " on " + server(connection) + ", found one");
    }
  }

  private static boolean returnsRows(Connection connection, String query, Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(query)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next();
      }
    }
  }

  /** Which server a connection reached, for messages. */
  private static String server(Connection connection) {
    try (PreparedStatement statement = connection.prepareStatement(
            "SELECT inet_server_port(), pg_is_in_recovery(), pg_last_wal_replay_lsn()::text");
        ResultSet row = statement.executeQuery()) {
      row.next();
      return (row.getBoolean(2) ? "the replica" : "the primary") + " on port " + row.getInt(1)
          + (row.getBoolean(2) ? " (replayed up to " + row.getString(3) + ")" : "");
    } catch (SQLException e) {
      return "an unknown server (" + e.getMessage() + ")";
    }
  }
}

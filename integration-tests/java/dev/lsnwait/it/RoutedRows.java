package dev.lsnwait.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** Rows written and read back through a routing connection, for the routing tests. */
final class RoutedRows {

  private RoutedRows() {}

  /** Inserts a new row (its id from {@code ids}) in {@code table}, read-write. */
  static int write(Connection connection, String table, AtomicInteger ids) throws SQLException {
    int id = ids.incrementAndGet();
    connection.setReadOnly(false);
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, 'x')")) {
      insert.setInt(1, id);
      insert.executeUpdate();
    }
    return id;
  }

  /** The port of the server that ran a read-only count of row {@code id}, and the count. */
  static int[] readOnly(Connection connection, String table, int id) throws SQLException {
    connection.setReadOnly(true);
    try (PreparedStatement read = connection.prepareStatement(
        "SELECT inet_server_port(), count(*) FROM " + table + " WHERE id = ?")) {
      read.setInt(1, id);
      try (ResultSet row = read.executeQuery()) {
        row.next();
        return new int[] {row.getInt(1), row.getInt(2)};
      }
    } finally {
      connection.setReadOnly(false);
    }
  }

  /** The first column of the first row of {@code sql}, as text. */
  static String single(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getString(1);
    }
  }
}

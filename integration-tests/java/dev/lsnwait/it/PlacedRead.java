package dev.lsnwait.it;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one read-only transaction of {@link RoutingPlacementIT} saw (on a standby or not, which server, whether the
 * row was there) and how long it took; and the write it reads back.
 */
record PlacedRead(boolean onReplica, int port, long count, long millis) {

  private static final AtomicInteger IDS = new AtomicInteger();

  /** Writes the next row of {@code placed} on a pooled connection; returns its id. */
  static int write(HikariDataSource pool) throws SQLException {
    try (Connection connection = pool.getConnection()) {
      return write(connection);
    }
  }

  /** Writes the next row of {@code placed} on {@code connection}; returns its id. */
  static int write(Connection connection) throws SQLException {
    return RoutedRows.write(connection, "placed", IDS);
  }

  /** A read-only transaction, as Spring's {@code @Transactional(readOnly = true)} runs it, on a pooled connection. */
  static PlacedRead of(HikariDataSource pool, int id) throws SQLException {
    try (Connection connection = pool.getConnection()) {
      long start = System.nanoTime();
      connection.setReadOnly(true);
      connection.setAutoCommit(false);
      try (PreparedStatement read = connection.prepareStatement(
          "SELECT pg_is_in_recovery(), inet_server_port(), count(*) FROM placed WHERE id = ?")) {
        read.setInt(1, id);
        try (ResultSet row = read.executeQuery()) {
          row.next();
          boolean onReplica = row.getBoolean(1);
          int port = row.getInt(2);
          long count = row.getLong(3);
          connection.commit();
          return new PlacedRead(onReplica, port, count, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
      } finally {
        connection.setAutoCommit(true);
        connection.setReadOnly(false);
      }
    }
  }
}

package dev.lsnwait.internal;

import dev.lsnwait.Lsn;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What lsnwait learns about a server when a connection opens, in one round trip. */
public record ServerInfo(
    boolean inRecovery,
    long systemIdentifier,
    int walBlockSize,
    long walSegmentSize,
    int defaultIsolation,
    Lsn replayPosition) {

  private static final String QUERY =
      "SELECT pg_is_in_recovery(),"
          + " (SELECT system_identifier FROM pg_control_system()),"
          + " current_setting('wal_block_size')::int,"
          + " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),"
          + " current_setting('transaction_isolation'),"
          + " pg_last_wal_replay_lsn()::text";

  public static ServerInfo query(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(QUERY)) {
      row.next();
      String replay = row.getString(6);
      return new ServerInfo(
          row.getBoolean(1),
          row.getLong(2),
          row.getInt(3),
          row.getLong(4),
          isolation(row.getString(5)),
          replay == null ? Lsn.ZERO : Lsn.parse(replay));
    }
  }

  static int isolation(String name) {
    switch (name == null ? "" : name) {
      case "serializable":
        return Connection.TRANSACTION_SERIALIZABLE;
      case "repeatable read":
        return Connection.TRANSACTION_REPEATABLE_READ;
      case "read uncommitted":
        return Connection.TRANSACTION_READ_UNCOMMITTED;
      default:
        return Connection.TRANSACTION_READ_COMMITTED;
    }
  }
}

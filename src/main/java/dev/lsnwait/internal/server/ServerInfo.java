package dev.lsnwait.internal.server;

import dev.lsnwait.Lsn;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What lsnwait learns about a server when a connection opens, in one round trip.
 *
 * @param address the server's own address, {@code host:port} as it reports it; null over a Unix socket
 * @param replayPosition the replay position, {@link Lsn#ZERO} when not in recovery
 */
public record ServerInfo(
    ServerIdentity identity,
    boolean inRecovery,
    Lsn replayPosition,
    String address,
    int walBlockSize,
    long walSegmentSize,
    int defaultIsolation,
    int versionNumber) {

  /** The start time in microseconds since the epoch, exact on every version (extract() is numeric from 14). */
  public static final String START_MICROS =
      "round(extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint";
  public static final String SYSTEM_IDENTIFIER = "(SELECT system_identifier FROM pg_control_system())";

  private static final String QUERY =
      "SELECT pg_is_in_recovery(), "
          + SYSTEM_IDENTIFIER + ", "
          + START_MICROS + ","
          + " host(inet_server_addr()), inet_server_port(),"
          + " current_setting('wal_block_size')::int,"
          + " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),"
          + " current_setting('transaction_isolation'),"
          + " pg_last_wal_replay_lsn()::text,"
          + " current_setting('server_version_num')::int";

  /** Asks the server behind {@code connection}, through a statement of its own. */
  public static ServerInfo query(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(QUERY)) {
      return read(row);
    }
  }

  /** The query, for callers that run it their own way (then {@link #read} its row). */
  public static String sql() {
    return QUERY;
  }

  /** Reads the row of {@link #sql()}. */
  public static ServerInfo read(ResultSet row) throws SQLException {
    row.next();
    String host = row.getString(4);
    int port = row.getInt(5);
    String replay = row.getString(9);
    return new ServerInfo(
        new ServerIdentity(row.getLong(2), row.getLong(3)),
        row.getBoolean(1),
        replay == null ? Lsn.ZERO : Lsn.parse(replay),
        host == null ? null : (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port,
        row.getInt(6),
        row.getLong(7),
        isolation(row.getString(8)),
        row.getInt(10));
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

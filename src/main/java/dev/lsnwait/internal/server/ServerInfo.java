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
 * @param replayPosition the replay position; out of recovery where replay ended, {@link Lsn#ZERO} if it never did
 * @param timeline out of recovery, the server's WAL timeline; 0 in recovery
 * @param backendPid the server process that answered ({@code pg_backend_pid()}): not the one the connection was
 *     opened with behind a pooler
 */
public record ServerInfo(
    ServerIdentity identity,
    boolean inRecovery,
    Lsn replayPosition,
    String address,
    int walBlockSize,
    long walSegmentSize,
    int defaultIsolation,
    int versionNumber,
    int timeline,
    int backendPid) {

  /**
   * The WAL timeline the server writes on (from its current WAL file's name); an error in recovery. Qualified: it
   * also runs on applications' connections (at connect, after each commit()), whose search_path may put their own
   * functions or operators of these names before pg_catalog.
   */
  public static final String INSERT_TIMELINE = "('x' OPERATOR(pg_catalog.||) pg_catalog.left("
      + "pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_insert_lsn()), 8))::bit(32)::int";
  /** {@link #INSERT_TIMELINE} out of recovery, 0 in recovery. */
  public static final String TIMELINE =
      "CASE WHEN pg_catalog.pg_is_in_recovery() THEN 0 ELSE " + INSERT_TIMELINE + " END";

  private static final String QUERY =
      "SELECT pg_is_in_recovery(), "
          + ServerIdentity.COLUMNS + ","
          + " host(inet_server_addr()), inet_server_port(),"
          + " current_setting('wal_block_size')::int,"
          + " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),"
          + " current_setting('transaction_isolation'),"
          + " pg_last_wal_replay_lsn()::text,"
          + " current_setting('server_version_num')::int,"
          + " " + TIMELINE + ","
          + " pg_backend_pid()";

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
    String host = row.getString(5);
    int port = row.getInt(6);
    String replay = row.getString(10);
    return new ServerInfo(
        ServerIdentity.read(row, 2),
        row.getBoolean(1),
        replay == null ? Lsn.ZERO : Lsn.parse(replay),
        host == null ? null : (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port,
        row.getInt(7),
        row.getLong(8),
        isolation(row.getString(9)),
        row.getInt(11),
        row.getInt(12),
        row.getInt(13));
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

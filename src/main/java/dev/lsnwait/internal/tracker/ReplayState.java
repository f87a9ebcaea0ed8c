package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.ServerInfo;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What a standby says of itself in the first three columns of {@link ReplayQuestion#QUERY} (and of the queries that
 * start as it does): whether it is in recovery, how far it replayed ({@link Lsn#ZERO} before it replayed anything;
 * after a promotion, where replay ended), and, out of recovery, its WAL timeline (0 in recovery).
 */
public record ReplayState(boolean recovering, Lsn replayed, int timeline) {

  /** The three columns, for a {@code SELECT} list. The timeline is only asked for out of recovery. */
  public static final String COLUMNS =
      "pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, " + ServerInfo.TIMELINE;

  /** Reads the current row of {@code row}. */
  public static ReplayState read(ResultSet row) throws SQLException {
    String position = row.getString(2);
    return new ReplayState(row.getBoolean(1), position == null ? Lsn.ZERO : Lsn.parse(position), row.getInt(3));
  }
}

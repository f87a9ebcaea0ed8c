package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What a standby says of itself in the first two columns of {@link Poller#QUERY} (and of the queries that start as
 * it does): whether it is in recovery, and how far it replayed ({@link Lsn#ZERO} before it replayed anything).
 */
public record ReplayState(boolean recovering, Lsn replayed) {

  /** Reads the current row of {@code row}. */
  public static ReplayState read(ResultSet row) throws SQLException {
    String position = row.getString(2);
    return new ReplayState(row.getBoolean(1), position == null ? Lsn.ZERO : Lsn.parse(position));
  }
}

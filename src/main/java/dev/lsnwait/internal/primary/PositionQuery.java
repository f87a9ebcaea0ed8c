package dev.lsnwait.internal.primary;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * One primary's WAL insert position, read on a side connection of the position reader's thread: normalized (a
 * segment's start, not the previous one's end) and without the alignment padding. Not thread-safe: one thread uses it.
 */
final class PositionQuery implements AutoCloseable {

  private final int walBlockSize;
  private final long walSegmentSize;
  private final Supplier<SideConnection> connections;
  private SideConnection connection;
  private volatile int timeline; // of the last read; readers of positions may ask from any thread

  PositionQuery(int walBlockSize, long walSegmentSize, Supplier<SideConnection> connections) {
    this.walBlockSize = walBlockSize;
    this.walSegmentSize = walSegmentSize;
    this.connections = connections;
  }

  /**
   * One read; a connection that died since the last read is replaced once, at once. If its database is gone (a
   * dropped database: SQLSTATE 3D000), the next read takes a new connection, to a database in use now.
   */
  Lsn read() throws SQLException {
    if (connection == null) {
      connection = connections.get();
    }
    boolean reused = connection.isOpen();
    try {
      return readOnce();
    } catch (SQLException e) {
      if (!reused) {
        throw forgetIfDatabaseGone(e);
      }
      connection.close();
      try {
        return readOnce();
      } catch (SQLException again) {
        throw forgetIfDatabaseGone(again);
      }
    }
  }

  private SQLException forgetIfDatabaseGone(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && "3D000".equals(sql.getSQLState())) {
        connection.close();
        connection = null;
        break;
      }
    }
    return e;
  }

  private Lsn readOnce() throws SQLException {
    try (ResultSet row = connection.statement().executeQuery()) {
      row.next();
      connection.succeeded();
      timeline = row.getInt(2);
      return position(row.getString(1));
    }
  }

  /**
   * An insert position as {@code pg_current_wal_insert_lsn()::text} gives it, normalized and without padding. Any
   * thread may call it: it reads only the server's WAL sizes.
   */
  Lsn position(String insertLsn) {
    return withoutPadding(Lsn.parse(insertLsn).normalize(walBlockSize, walSegmentSize));
  }

  /** The WAL timeline of the last position read (0 before the first). */
  int timeline() {
    return timeline;
  }

  /** The last read failed: the connection backs off before it is opened again. */
  void failed() {
    if (connection != null) {
      connection.failed();
    }
  }

  /**
   * The insert position is 8-byte aligned (MAXALIGN): the last record before it may end up to 7 bytes earlier, and
   * a standby's replay position stops at that record's end until the next record arrives (a commit delayed by
   * {@code recovery_min_apply_delay}, then nothing else written: a wait for someone else's write). The bytes between
   * are padding, so the record's end, at most 7 bytes below, covers everything the position does.
   */
  static Lsn withoutPadding(Lsn aligned) {
    long value = aligned.asLong();
    return value % 8 == 0 && value >= 8 ? Lsn.of(value - 7) : aligned;
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
    }
  }
}

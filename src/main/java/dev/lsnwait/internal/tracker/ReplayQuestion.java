package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * How the {@link Poller} asks its server how far it has replayed, in one round trip: the prepared poll, or, on
 * PostgreSQL 19 and later, {@code WAIT FOR LSN} followed by the same poll. Either way the answer is checked to come
 * from this very server and fed to the tracker and the forecast, and a failure is told apart: no route reaches the
 * server (the waiters ask on their own connections), or the question broke on the way (they stay). Kept apart from
 * the thread that decides when to ask, which is the poller's whole concern.
 */
final class ReplayQuestion {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.tracker");
  /** The replay state (columns 1-3) and who answered (4-5): through a pooler, a poll may reach another server. */
  static final String QUERY = "SELECT " + ReplayState.COLUMNS + ", " + ServerIdentity.INCARNATION;
  /** The longest one {@code WAIT FOR LSN} waits before the poller looks again (a newer, earlier waiter). */
  private static final long WAIT_FOR_SLICE_MILLIS = 50;

  private final ServerTracker tracker;

  ReplayQuestion(ServerTracker tracker) {
    this.tracker = tracker;
  }

  /** One poll; feeds the tracker and the forecast. False if the server could not be asked. */
  boolean poll(SideConnection connection, PollSchedule schedule) {
    PreparedStatement statement;
    try {
      statement = connection.statement();
    } catch (SQLException | RuntimeException e) {
      return unreachable(connection, e);
    }
    ReplayState state;
    long sentAt = System.nanoTime();
    try (ResultSet row = statement.executeQuery()) {
      state = answer(row);
    } catch (SQLException | RuntimeException e) {
      return broke(connection, e);
    }
    return take(connection, schedule, state, sentAt);
  }

  /**
   * PostgreSQL 19: waits in the server until {@code target} is replayed, or a short while, then reads the replay
   * position in the same round trip (one simple query, two statements): one answer serves every waiter the replica
   * has passed, not only the one waited for. Outside an explicit transaction, read committed, {@code WAIT FOR}
   * holds no snapshot, as it must.
   */
  boolean waitFor(SideConnection connection, long target, PollSchedule schedule) {
    Statement statement;
    try {
      statement = connection.plainStatement();
    } catch (SQLException | RuntimeException e) {
      return unreachable(connection, e);
    }
    ReplayState state;
    long sentAt = System.nanoTime();
    try {
      statement.execute("WAIT FOR LSN '" + Lsn.of(target) + "' WITH (MODE 'standby_replay', TIMEOUT '"
          + WAIT_FOR_SLICE_MILLIS + "ms', NO_THROW); " + QUERY);
      if (!statement.getMoreResults()) {
        throw new SQLException("lsnwait: WAIT FOR LSN returned no replay position");
      }
      try (ResultSet row = statement.getResultSet()) {
        state = answer(row);
      }
    } catch (SQLException | RuntimeException e) {
      return broke(connection, e);
    }
    return take(connection, schedule, state, sentAt);
  }

  /** The row of {@link #QUERY}: the replay state, or null if another server answered (a pooler on the route). */
  private ReplayState answer(ResultSet row) throws SQLException {
    row.next();
    return tracker.identity().isIncarnation(row, 4) ? ReplayState.read(row) : null;
  }

  /** A poll's answer feeds the tracker and the forecast; another server's sends waiters to their own connections. */
  private boolean take(SideConnection connection, PollSchedule schedule, ReplayState state, long sentAt) {
    if (state == null) {
      connection.failed();
      return unreachable(connection, new SQLException("lsnwait: a poll of " + tracker.name() + " was answered by"
          + " another server (a transaction pooler on the way?)"));
    }
    connection.succeeded();
    schedule.observed(sentAt, System.nanoTime(), state.replayed().asLong());
    tracker.polled(state);
    return true;
  }

  /** No route reaches this server: the waiters ask on their own connections until the back-off passes. */
  private boolean unreachable(SideConnection connection, Exception e) {
    tracker.unreachable(connection.retryDelayNanos(), e);
    return false;
  }

  /**
   * The server was reached but the question failed (its backend was terminated, the network broke): the waiters stay,
   * and the next poll asks on a new connection after the back-off.
   */
  private boolean broke(SideConnection connection, Exception e) {
    connection.failed();
    LOG.log(connection.failuresInARow() == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
        "lsnwait: cannot poll " + tracker.name() + " (" + e.getMessage() + "); reconnecting");
    return false;
  }
}

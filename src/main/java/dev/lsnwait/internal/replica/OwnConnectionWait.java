package dev.lsnwait.internal.replica;

import dev.lsnwait.Lsn;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.tracker.ReplayState;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.postgresql.core.BaseConnection;

/**
 * A wait made by asking over the reader's own connection, which reached the right server by definition: for when
 * the server's tracker cannot reach it (a load balancer that never sends its connection there, an address that is
 * not reachable from here) or closed. The question runs outside any transaction pgjdbc has not begun yet, so it
 * fixes no snapshot; its answers also feed the tracker's cache.
 */
final class OwnConnectionWait {

  /** How a wait ended. */
  enum Result {
    REPLAYED,
    TIMED_OUT,
    /** The connection reaches another server than the one it was known for (a pooler reconnected it). */
    ANOTHER_SERVER,
    /** The server left recovery (was promoted) before it replayed the position: it never will. */
    LEFT_RECOVERY
  }

  /** A tracker's poll: replay state (columns 1-3) and who answered (4-5). */
  private static final String QUESTION = ServerTracker.POLL_QUERY;
  private static final long MAX_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final BaseConnection own;
  private final Server server;
  private final Lsn required;
  private final long deadline;
  private long interval;

  OwnConnectionWait(BaseConnection own, Server server, Lsn required, long deadline, long firstIntervalNanos) {
    this.own = own;
    this.server = server;
    this.required = required;
    this.deadline = deadline;
    this.interval = firstIntervalNanos;
  }

  /** Asks until replayed or the deadline, backing off from the poll interval to 10 ms between questions. */
  Result await() throws SQLException {
    while (true) {
      ReplayState state;
      try (ResultSet row = own.execSQLQuery(QUESTION)) {
        try (Statement statement = row.getStatement()) {
          row.next();
          if (!server.identity().isIncarnation(row, 4)) { // restarted, crashed, or another server
            return Result.ANOTHER_SERVER;
          }
          state = ReplayState.read(row);
        }
      }
      server.tracker().observe(state);
      if (server.tracker().isReplicated(required)) {
        return Result.REPLAYED;
      }
      if (!state.recovering()) {
        return Result.LEFT_RECOVERY;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Result.TIMED_OUT;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(interval, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLTransientException("lsnwait: interrupted while waiting for replica " + server.name()
            + " to replay " + required, ReplicationTimeoutException.SQL_STATE, e);
      }
      interval = Math.min(MAX_INTERVAL_NANOS, interval * 2);
    }
  }

  /** What the server behind {@code own} is, asked outside any transaction. */
  static ServerInfo describe(BaseConnection own) throws SQLException {
    try (ResultSet row = own.execSQLQuery(ServerInfo.sql())) {
      try (Statement statement = row.getStatement()) {
        return ServerInfo.read(row);
      }
    }
  }
}

package dev.lsnwait.internal.replica;

import dev.lsnwait.Lsn;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.registry.ServerLookup;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.core.BaseConnection;

/**
 * One wait for a server to replay a position: on its tracker, or on the reader's own connection when the tracker
 * cannot answer (its server out of reach, retired, or answering for another server).
 */
final class ServerWait {

  /**
   * How one wait ended.
   *
   * @param outcome REPLAYED or TIMED_OUT; null when the caller must look again (the server changed or left recovery)
   * @param rebound the server the connection turned out to reach, or null
   */
  record Waited(ServerTracker.Outcome outcome, Server rebound) {}

  private final BaseConnection own;
  private final ServerLookup lookup;
  private final long ownPollNanos;

  ServerWait(BaseConnection own, ServerLookup lookup, Duration pollInterval) {
    this.own = own;
    this.lookup = lookup;
    this.ownPollNanos = Math.max(TimeUnit.MICROSECONDS.toNanos(500), pollInterval.toNanos());
  }

  Waited once(Server current, ServerTracker tracker, Lsn required, long deadline) throws SQLException {
    ServerTracker.Outcome outcome;
    if (current.isRetired()) {
      outcome = ServerTracker.Outcome.ASK_YOURSELF;
    } else {
      try {
        outcome = tracker.await(required, deadline);
      } catch (InterruptedException e) {
        throw interrupted(current, required, e);
      }
    }
    if (outcome != ServerTracker.Outcome.ASK_YOURSELF) {
      return new Waited(outcome, null);
    }
    if (!current.isRetired() && !tracker.isInRecovery()) {
      return new Waited(null, null); // promoted meanwhile: the caller says so
    }
    tracker.counts().ownConnectionWait();
    OwnConnectionWait.Result result = new OwnConnectionWait(own, current, required, deadline, ownPollNanos).await();
    switch (result) {
      case ANOTHER_SERVER: // a pooler reconnected it: find that server
        return new Waited(null, lookup.server(OwnConnectionWait.describe(own)));
      case LEFT_RECOVERY:
        return new Waited(null, null); // the caller says so
      case REPLAYED:
        return new Waited(ServerTracker.Outcome.REPLAYED, null);
      default:
        tracker.counts().timedOut();
        return new Waited(ServerTracker.Outcome.TIMED_OUT, null);
    }
  }

  private static SQLException interrupted(Server current, Lsn required, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new SQLTransientException(
        "lsnwait: interrupted while waiting for replica " + current.name() + " to replay " + required,
        ReplicationTimeoutException.SQL_STATE,
        e);
  }
}

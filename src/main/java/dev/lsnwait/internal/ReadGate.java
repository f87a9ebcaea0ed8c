package dev.lsnwait.internal;

import dev.lsnwait.Lsn;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.tracker.PollingReplicaTracker;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The replica side: before a read, wait until the replica has replayed what the current context requires. */
public final class ReadGate {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait");

  private final PollingReplicaTracker tracker;
  private final Duration timeout;
  private final Settings.OnTimeout onTimeout;

  public ReadGate(PollingReplicaTracker tracker, Duration timeout, Settings.OnTimeout onTimeout) {
    this.tracker = tracker;
    this.timeout = timeout;
    this.onTimeout = onTimeout;
  }

  public PollingReplicaTracker tracker() {
    return tracker;
  }

  /**
   * Returns at once when nothing is required or the cache shows it replayed (a compare); otherwise waits.
   *
   * @throws ReplicationTimeoutException if the wait timed out and {@code lsnwait.onTimeout=fail}
   */
  public void awaitCausality() throws SQLException {
    long start = System.nanoTime();
    Lsn required;
    try {
      required = ThreadContext.requiredLsn(tracker.systemIdentifier());
    } catch (SQLException e) {
      proceedOrThrow(e, "the position to wait for could not be read: " + e.getMessage());
      return;
    }
    if (required == null || tracker.isReplicated(required)) {
      return;
    }
    boolean replayed;
    try {
      replayed = tracker.await(required, timeout.minusNanos(System.nanoTime() - start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLTransientException(
          "lsnwait: interrupted while waiting for replica " + tracker.name() + " to replay " + required,
          ReplicationTimeoutException.SQL_STATE,
          e);
    }
    if (replayed) {
      return;
    }
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    ReplicationTimeoutException timeout =
        new ReplicationTimeoutException(tracker.name(), required, tracker.lastReplay(), waitedMillis);
    proceedOrThrow(timeout, timeout.getMessage());
  }

  /** {@code lsnwait.onTimeout}: count the read and let it run, or throw. */
  private void proceedOrThrow(SQLException failure, String why) throws SQLException {
    if (onTimeout != Settings.OnTimeout.PROCEED) {
      throw failure;
    }
    tracker.recordProceededAfterTimeout();
    LOG.log(System.Logger.Level.DEBUG, "lsnwait: reading anyway (lsnwait.onTimeout=proceed): {0}", why);
  }
}

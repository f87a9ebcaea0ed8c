package dev.lsnwait.internal.replica;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitListener;
import dev.lsnwait.PinnedReplicaTimeoutException;
import dev.lsnwait.ReadConsistency;
import dev.lsnwait.ReplicaPromotedException;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.internal.Settings;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.registry.Registry;
import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.registry.ServerLookup;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.registry.ServerSettings;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The replica side of one connection: before a statement, wait until the server this connection reached has replayed
 * what the current context requires. The server's tracker answers from its cache, or waits for its poller; when the
 * tracker cannot reach that server, the connection asks its own server ({@link OwnConnectionWait}).
 */
public final class ReadGate {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait");

  private final BaseConnection own;
  private final Registry registry;
  private final ServerLookup lookup;
  private final TransactionPin pin; // behind a transaction pooler; null otherwise
  private final ServerSettings serverSettings;
  private final Duration timeout;
  private final Settings.OnTimeout onTimeout;
  private final ReadConsistency consistency;
  private volatile Server server;
  private Lsn preset; // what a routing connection already worked out for the next statement
  private boolean presetValid;
  private long routedWaitNanos = -1; // a routing connection's replica: its waits' bound; -1 otherwise

  /**
   * @param server the server this connection reached
   * @param own the connection itself, to ask its server when the tracker cannot
   * @param lookup to find the server again if it turns out to have changed
   * @param pooled behind a transaction pooler: each read's own transaction tells its server ({@link TransactionPin})
   */
  public ReadGate(Server server, BaseConnection own, Registry registry, ServerLookup lookup,
      ServerSettings serverSettings, Duration timeout, Settings.OnTimeout onTimeout, ReadConsistency consistency,
      boolean pooled) {
    this.server = server;
    this.own = own;
    this.registry = registry;
    this.lookup = lookup;
    this.pin = pooled ? new TransactionPin(own, lookup) : null;
    this.serverSettings = serverSettings;
    this.timeout = timeout;
    this.onTimeout = onTimeout;
    this.consistency = consistency;
  }

  /**
   * What the next statement must wait for, as a routing connection worked it out when it chose this replica (so
   * a global read does not read the primary's position twice); {@link #clearPreset()} after the statement.
   */
  public void preset(Lsn required) {
    preset = required;
    presetValid = true;
  }

  public void clearPreset() {
    preset = null;
    presetValid = false;
  }

  /**
   * This connection is a routing connection's replica. Its router sends work here only once the replica has
   * replayed what the work needs, so a wait here means a transaction already runs here (or a callable statement is
   * bound here) and the thread has committed a newer write since. That work cannot move to the primary, so waiting
   * the whole {@code lsnwait.timeout} would only delay the same error: each wait is bounded by {@code replicaWait}
   * instead, and a timeout is a {@link PinnedReplicaTimeoutException}. Reading the position to wait for keeps the
   * whole timeout: that is not the replica's lag.
   */
  public void routed(Duration replicaWait) {
    routedWaitNanos = Math.max(0, replicaWait.toNanos());
  }

  /** The server this connection reached, as last known. */
  public Server server() {
    return server;
  }

  public Duration timeout() {
    return timeout;
  }

  public Settings.OnTimeout onTimeout() {
    return onTimeout;
  }

  /**
   * Returns at once when nothing is required or the cache shows it replayed (a compare); otherwise waits.
   *
   * @throws ReplicationTimeoutException if the wait timed out and {@code lsnwait.onTimeout=fail}
   */
  public void awaitCausality() throws SQLException {
    awaitCausality(true);
  }

  /** Whether lsnwait checks each read in its own transaction (behind a transaction pooler). */
  public boolean isPooled() {
    return pin != null;
  }

  /** After the statement {@link #awaitCausality} let through: ends a transaction lsnwait began around it. */
  public void statementDone() {
    if (pin != null) {
      pin.statementDone();
    }
  }

  /**
   * As {@link #awaitCausality()}; {@code statementFollows} is false for work through pgjdbc's own API, after which
   * nothing would end a transaction begun for it.
   */
  public void awaitCausality(boolean statementFollows) throws SQLException {
    try {
      awaitCausalityOnce(statementFollows);
    } catch (SQLException | RuntimeException e) {
      if (pin != null) {
        pin.abandon(); // the statement will not run: the transaction lsnwait began for it ends
      }
      throw e;
    }
  }

  private void awaitCausalityOnce(boolean statementFollows) throws SQLException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long waitDeadline = 0; // when the wait for replay ends: set once the position to wait for is known
    boolean waitDeadlineSet = false;
    LsnWaitListener.WaitEnd heard = null; // told once the read has to wait, and of how the wait ended
    LsnWaitListener.Outcome outcome = LsnWaitListener.Outcome.TIMED_OUT; // unless it ends otherwise
    try {
      while (true) {
        Server current = server;
        // What to wait for: reading a commit's position on its primary is bounded by this read's deadline, and its
        // failure (PositionUnavailableException, not a connection error) is thrown whatever lsnwait.onTimeout says.
        Lsn required = presetValid ? preset
            : Requirement.of(Requirement.levelFor(consistency), current.systemIdentifier(), deadline, registry);
        boolean again = false; // the read must run in a new transaction
        if (required != null && pin != null && pin.needed()) {
          long checkBegan = System.nanoTime();
          TransactionPin.Pinned pinned = pin.pin(statementFollows);
          if (pinned != null) {
            current = pinned.server();
            server = current;
            // The check fixed the snapshot: only what was known before it began is surely in it (not what the
            // tracker learned while the answer was on its way).
            again = pinned.snapshotTaken()
                && (current.isRetired() || !heldBefore(current, current.tracker(), required, checkBegan));
            current.tracker().observe(pinned.state());
            if (again) {
              pin.abandon(); // its snapshot may predate the replay: a new transaction, once the server has it
            }
          }
        }
        ServerTracker tracker = current.tracker();
        if (required == null || (!current.isRetired() && held(current, tracker, required))) {
          if (again) {
            if (System.nanoTime() - deadline < 0) {
              continue;
            }
            // The transaction the check began was rolled back: the statement would run unchecked.
            ReplicationTimeoutException failure = new ReplicationTimeoutException(current.name(), required,
                tracker.lastReplay(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            if (onTimeout != Settings.OnTimeout.PROCEED) {
              throw failure;
            }
            tracker.recordProceededAfterTimeout();
            outcome = LsnWaitListener.Outcome.PROCEEDED;
            return;
          }
          outcome = LsnWaitListener.Outcome.REPLAYED;
          return;
        }
        if (!current.isRetired() && !tracker.isInRecovery()) { // promoted before it replayed it: it never will
          ReplicaPromotedException failure = new ReplicaPromotedException(current.name(), required,
              tracker.endOfReplay(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
          if (onTimeout != Settings.OnTimeout.PROCEED) {
            throw failure;
          }
          tracker.recordProceededAfterTimeout();
          LOG.log(System.Logger.Level.DEBUG, "lsnwait: reading anyway (lsnwait.onTimeout=proceed): {0}",
              failure.getMessage());
          outcome = LsnWaitListener.Outcome.PROCEEDED;
          return;
        }
        if (onTimeout == Settings.OnTimeout.PROCEED
            && ThreadContext.gaveUpOn(current.systemIdentifier(), required)) {
          tracker.recordProceededAfterTimeout(); // waited its whole timeout for this once already: not again
          outcome = LsnWaitListener.Outcome.PROCEEDED;
          return;
        }
        if (own.getTransactionState() == TransactionState.FAILED) {
          outcome = LsnWaitListener.Outcome.PROCEEDED;
          return; // the statement fails with pgjdbc's own error (25P02) anyway
        }
        if (heard == null) {
          heard = registry.listeners().waitStarted(current.name(), required);
        }
        if (!waitDeadlineSet) {
          waitDeadline = waitDeadline(deadline);
          waitDeadlineSet = true;
        }
        ServerTracker.Outcome waited = waitOnce(current, tracker, required, waitDeadline);
        if (waited == null) {
          continue; // the connection reaches another server: wait again, for that one
        }
        if (waited == ServerTracker.Outcome.REPLAYED) {
          if (again) {
            continue;
          }
          outcome = LsnWaitListener.Outcome.REPLAYED;
          return;
        }
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        ReplicationTimeoutException failure = routedWaitNanos >= 0
            ? new PinnedReplicaTimeoutException(current.name(), required, tracker.lastReplay(), waitedMillis)
            : new ReplicationTimeoutException(current.name(), required, tracker.lastReplay(), waitedMillis);
        if (onTimeout != Settings.OnTimeout.PROCEED) {
          throw failure;
        }
        tracker.recordProceededAfterTimeout();
        ThreadContext.gaveUp(current.systemIdentifier(), required);
        LOG.log(System.Logger.Level.DEBUG, "lsnwait: reading anyway (lsnwait.onTimeout=proceed): {0}",
            failure.getMessage());
        outcome = LsnWaitListener.Outcome.PROCEEDED;
        return;
      }
    } finally {
      if (heard != null) {
        heard.ended(outcome);
      }
    }
  }

  /** Whether the server holds what is required: in recovery, by position; out of it, by timeline too. */
  private boolean held(Server current, ServerTracker tracker, Lsn required) {
    if (tracker.isInRecovery()) {
      return tracker.isReplicated(required);
    }
    int timeline = presetValid ? 0 : Requirement.timelineOf(Requirement.levelFor(consistency),
        current.systemIdentifier(), registry);
    return tracker.holds(required, timeline);
  }

  /** As {@link #held}, by what the tracker knew before {@code nanoTime}. */
  private boolean heldBefore(Server current, ServerTracker tracker, Lsn required, long nanoTime) {
    int timeline = presetValid ? 0 : Requirement.timelineOf(Requirement.levelFor(consistency),
        current.systemIdentifier(), registry);
    return tracker.knewBefore(required, timeline, nanoTime);
  }

  /** The end of the wait for replay: the read's deadline, or sooner on a routing connection's replica. */
  private long waitDeadline(long deadline) {
    if (routedWaitNanos < 0) {
      return deadline;
    }
    long bounded = System.nanoTime() + routedWaitNanos;
    return bounded - deadline < 0 ? bounded : deadline;
  }

  /**
   * One wait on the tracker, or on this connection when the tracker cannot reach the server: REPLAYED or TIMED_OUT,
   * or null when this connection turned out to reach another server (then rebound).
   */
  private ServerTracker.Outcome waitOnce(Server current, ServerTracker tracker, Lsn required, long deadline)
      throws SQLException {
    ServerTracker.Outcome outcome;
    if (current.isRetired()) {
      outcome = ServerTracker.Outcome.ASK_YOURSELF;
    } else {
      try {
        outcome = tracker.await(required, deadline);
      } catch (InterruptedException e) {
        throw interrupted(required, e);
      }
    }
    if (outcome != ServerTracker.Outcome.ASK_YOURSELF) {
      return outcome;
    }
    if (!current.isRetired() && !tracker.isInRecovery()) {
      return null; // promoted meanwhile: the caller says so
    }
    tracker.recordOwnConnectionWait();
    OwnConnectionWait.Result result = new OwnConnectionWait(own, current, required, deadline,
        Math.max(TimeUnit.MICROSECONDS.toNanos(500), serverSettings.pollInterval().toNanos())).await();
    if (result == OwnConnectionWait.Result.ANOTHER_SERVER) {
      rebind();
      return null;
    }
    if (result == OwnConnectionWait.Result.LEFT_RECOVERY) {
      return null; // the caller says so
    }
    if (result == OwnConnectionWait.Result.REPLAYED) {
      return ServerTracker.Outcome.REPLAYED;
    }
    tracker.recordTimeout();
    return ServerTracker.Outcome.TIMED_OUT;
  }

  /** The connection reaches another server than it did (a pooler reconnected it): find that one. */
  private void rebind() throws SQLException {
    ServerInfo info = OwnConnectionWait.describe(own);
    server = lookup.server(info);
  }

  private SQLException interrupted(Lsn required, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new SQLTransientException(
        "lsnwait: interrupted while waiting for replica " + server.name() + " to replay " + required,
        ReplicationTimeoutException.SQL_STATE,
        e);
  }

}

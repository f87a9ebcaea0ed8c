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
import dev.lsnwait.internal.registry.ServerSettings;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The replica side of one connection: before a statement, wait until the server this connection reached has replayed
 * what the current context requires. The server's tracker answers from its cache, or waits for its poller; when the
 * tracker cannot reach that server, the connection asks its own server ({@link ServerWait}); behind a transaction
 * pooler, each read's own transaction tells which server runs it ({@link TransactionPin}).
 */
public final class ReadGate {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait");

  private final BaseConnection own;
  private final Registry registry;
  private final TransactionPin pin; // behind a transaction pooler; null otherwise
  private final ServerWait waits;
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
    this.pin = pooled ? new TransactionPin(own, lookup) : null;
    this.waits = new ServerWait(own, lookup, serverSettings.pollInterval());
    this.timeout = timeout;
    this.onTimeout = onTimeout;
    this.consistency = consistency;
  }

  /** Whether this connection reaches its server through a transaction pooler (each transaction may find another). */
  public boolean pooled() {
    return pin != null;
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
        boolean again = required != null && pin != null && pin.needed() && pinTransaction(required, statementFollows);
        current = server;
        ServerTracker tracker = current.tracker();
        if (required == null || (!current.isRetired() && held(current, tracker, required))) {
          if (again) {
            if (System.nanoTime() - deadline < 0) {
              continue;
            }
            // The transaction the check began was rolled back: the statement would run unchecked.
            failOrProceed(new ReplicationTimeoutException(current.name(), required, tracker.lastReplay(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)), tracker);
            outcome = LsnWaitListener.Outcome.PROCEEDED;
            return;
          }
          outcome = LsnWaitListener.Outcome.REPLAYED;
          return;
        }
        if (!current.isRetired() && !tracker.isInRecovery()) { // promoted before it replayed it: it never will
          failOrProceed(new ReplicaPromotedException(current.name(), required, tracker.endOfReplay(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)), tracker);
          outcome = LsnWaitListener.Outcome.PROCEEDED;
          return;
        }
        if (onTimeout == Settings.OnTimeout.PROCEED
            && ThreadContext.gaveUpOn(current.systemIdentifier(), required)) {
          tracker.counts().proceeded(); // waited its whole timeout for this once already: not again
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
        ServerWait.Waited wait = waits.once(current, tracker, required, waitDeadline);
        if (wait.rebound() != null) {
          server = wait.rebound();
        }
        ServerTracker.Outcome waited = wait.outcome();
        if (waited == null) {
          continue; // the connection reaches another server, or its server left recovery: look again
        }
        if (waited == ServerTracker.Outcome.REPLAYED) {
          if (again) {
            continue;
          }
          outcome = LsnWaitListener.Outcome.REPLAYED;
          return;
        }
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        failOrProceed(routedWaitNanos >= 0
            ? new PinnedReplicaTimeoutException(current.name(), required, tracker.lastReplay(), waitedMillis)
            : new ReplicationTimeoutException(current.name(), required, tracker.lastReplay(), waitedMillis), tracker);
        ThreadContext.gaveUp(current.systemIdentifier(), required);
        outcome = LsnWaitListener.Outcome.PROCEEDED;
        return;
      }
    } finally {
      if (heard != null) {
        heard.ended(outcome);
      }
    }
  }

  /**
   * Behind a transaction pooler: begins (or joins) the read's transaction and learns its server from it. True if the
   * read must run in a new transaction: the check fixed a repeatable-read snapshot, and only what was known before
   * it began (not what the tracker learned while the answer was on its way) is surely in it.
   */
  private boolean pinTransaction(Lsn required, boolean statementFollows) throws SQLException {
    long checkBegan = System.nanoTime();
    TransactionPin.Pinned pinned = pin.pin(server.systemIdentifier(), statementFollows);
    if (pinned == null) {
      return false;
    }
    Server current = pinned.server();
    server = current;
    boolean again = pinned.snapshotTaken()
        && (current.isRetired() || !heldBefore(current, current.tracker(), required, checkBegan));
    current.tracker().observe(pinned.state());
    if (again) {
      pin.abandon(); // its snapshot may predate the replay: a new transaction, once the server has it
    }
    return again;
  }

  /** With {@code lsnwait.onTimeout=fail} throws {@code failure}; else counts and logs a read that runs anyway. */
  private void failOrProceed(ReplicationTimeoutException failure, ServerTracker tracker)
      throws ReplicationTimeoutException {
    if (onTimeout != Settings.OnTimeout.PROCEED) {
      throw failure;
    }
    tracker.counts().proceeded();
    LOG.log(System.Logger.Level.DEBUG, "lsnwait: reading anyway (lsnwait.onTimeout=proceed): {0}",
        failure.getMessage());
  }

  /** Whether the server holds what is required: in recovery, by position; out of it, by timeline too. */
  private boolean held(Server current, ServerTracker tracker, Lsn required) {
    if (tracker.isInRecovery()) {
      return tracker.isReplicated(required);
    }
    return tracker.holds(required, requiredTimeline(current));
  }

  /** As {@link #held}, by what the tracker knew before {@code nanoTime}. */
  private boolean heldBefore(Server current, ServerTracker tracker, Lsn required, long nanoTime) {
    return tracker.knewBefore(required, requiredTimeline(current), nanoTime);
  }

  /** The WAL timeline of what is required, 0 if not known (a routing connection's preset position says none). */
  private int requiredTimeline(Server current) {
    return presetValid ? 0
        : Requirement.timelineOf(Requirement.levelFor(consistency), current.systemIdentifier(), registry);
  }

  /** The end of the wait for replay: the read's deadline, or sooner on a routing connection's replica. */
  private long waitDeadline(long deadline) {
    if (routedWaitNanos < 0) {
      return deadline;
    }
    long bounded = System.nanoTime() + routedWaitNanos;
    return bounded - deadline < 0 ? bounded : deadline;
  }
}

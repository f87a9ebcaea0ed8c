package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The thread that asks one server how far it has replayed, while someone waits, and goes away after an idle timeout.
 *
 * <p>It asks as little as it can. On PostgreSQL 19 and later, {@code WAIT FOR LSN} waits in the server for the
 * earliest position anyone waits for, which wakes on replay: one statement per position. On older servers it sleeps
 * until just before the replica is forecast to have replayed that position ({@link ReplayForecast}), polls, and, if
 * it is not there yet, polls again after {@code pollInterval}; never more than {@code maxPollRate} a second on
 * average ({@link PollBudget}), however many wait, and nothing when nobody does.
 *
 * <p>Each run of the thread owns its connection, so a poller going idle never shares it with the next one. A run that
 * dies of an unexpected error clears the way for the next: the waiters it leaves are told to ask on their own
 * connections, and the next waiter starts a new run. Only {@link #close()} ends the poller for good; a stray
 * interrupt does not. Nothing blocks inside {@code synchronized}, so virtual threads can wait without pinning.
 */
final class Poller {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.tracker");
  static final String QUERY = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text";
  /** How long before a forecast replay to ask: about half a round trip on a LAN. */
  private static final long LEAD_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  /** Ask at least this often while someone waits, whatever the forecast says. */
  private static final long MAX_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The longest gap between polls for a target that keeps not being there (a stalled replay). */
  private static final long MAX_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** The longest one {@code WAIT FOR LSN} waits before the poller looks again (a newer, earlier waiter). */
  private static final long WAIT_FOR_SLICE_MILLIS = 50;

  private final ServerTracker tracker;
  private final Supplier<SideConnection> connections;
  private final long minGapNanos;
  private final long idleNanos;
  private final boolean waitForLsn;
  private final PollBudget budget;
  private final ReplayForecast forecast;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition someoneWaits = lock.newCondition();
  private Thread thread; // guarded by lock; null when no poller runs
  private boolean closed; // guarded by lock

  Poller(ServerTracker tracker, Supplier<SideConnection> connections, TrackerSettings settings, PrimaryClock clock) {
    this.tracker = tracker;
    this.connections = connections;
    this.minGapNanos = Math.max(1, settings.pollInterval().toNanos());
    this.idleNanos = Math.max(1, settings.idleTimeout().toNanos());
    this.waitForLsn = settings.waitForLsn();
    this.budget = new PollBudget(settings.maxPollRate(), minGapNanos);
    this.forecast = new ReplayForecast(clock);
  }

  /**
   * Makes sure a poller runs, and has it look at the waiters again (a newcomer may be due sooner).
   *
   * @return false if the poller is closed or no thread could be started
   */
  boolean wake() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      if (thread == null) {
        Thread started = new Thread(this::run, "lsnwait-tracker[" + tracker.name() + "]");
        started.setDaemon(true);
        try {
          started.start();
        } catch (OutOfMemoryError | RuntimeException e) { // "unable to create native thread"
          LOG.log(System.Logger.Level.WARNING, "lsnwait: cannot start the tracker thread of " + tracker.name(), e);
          return false;
        }
        thread = started;
      } else {
        someoneWaits.signal();
        LockSupport.unpark(thread);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    SideConnection connection = connections.get();
    long lastAsk = System.nanoTime() - MAX_QUIET_NANOS;
    long askedFor = ServerTracker.NOBODY; // the target of the last poll; when polls first and last missed it
    long firstMissAt = Long.MIN_VALUE;
    long missedAt = Long.MIN_VALUE;
    try {
      while (awaitWaiters()) {
        Thread.interrupted(); // a stray interrupt; close() sets closed first, which awaitWaiters sees
        long target = tracker.firstWaiting();
        if (target == ServerTracker.NOBODY && !tracker.hasWaiters()) {
          continue; // the last one just left
        }
        long now = System.nanoTime();
        long at = dueAt(target, now, lastAsk, target == askedFor ? firstMissAt : Long.MIN_VALUE);
        if (at - now > 0) {
          LockSupport.parkNanos(this, at - now); // a newcomer may cut it short (wake), then this looks again
          continue;
        }
        budget.take(now, tracker.waiting());
        lastAsk = now;
        if (target != askedFor) {
          askedFor = target;
          firstMissAt = Long.MIN_VALUE;
          missedAt = Long.MIN_VALUE;
        }
        boolean answered = waitForLsn ? waitFor(connection, target) : pollOnce(connection);
        if (!answered) {
          lastAsk = System.nanoTime() + connection.retryDelayNanos() - minGapNanos; // back off
        } else if (!waitForLsn) {
          if (tracker.isReplicated(Lsn.of(target))) {
            forecast.served(target, now, missedAt, budget.plentiful(now, tracker.waiting()));
          } else {
            firstMissAt = firstMissAt == Long.MIN_VALUE ? now : firstMissAt;
            missedAt = now;
          }
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "lsnwait: tracker " + tracker.name() + " stopped unexpectedly", e);
      tracker.failWaiters(new ServerUnreachable("lsnwait: the tracker of " + tracker.name() + " failed", e));
    } finally {
      connection.close();
      boolean restart;
      lock.lock();
      try {
        if (thread == Thread.currentThread()) {
          thread = null;
        }
        restart = !closed && thread == null && tracker.hasWaiters(); // arrived while this run was ending
      } finally {
        lock.unlock();
      }
      if (restart) {
        wake();
      }
    }
  }

  /**
   * When to ask next about {@code target}: the forecast (less a lead), but not before the gap and the budget allow.
   * After polls that missed the target (the replica is slower than forecast, or stalled), the gap grows with the time
   * missed, a quarter of it: a wait comes at most a quarter later than the replay, with a few polls per doubling.
   */
  private long dueAt(long target, long now, long lastAsk, long firstMissAt) {
    long due = waitForLsn ? now : forecast.expected(target, now);
    long at = due == Long.MIN_VALUE ? now : due - LEAD_NANOS;
    at = Math.min(at, lastAsk + MAX_QUIET_NANOS); // a forecast can be wrong
    if (!waitForLsn) {
      long missing = firstMissAt == Long.MIN_VALUE ? 0 : (now - firstMissAt) / 4;
      at = Math.max(at, lastAsk + Math.min(MAX_GAP_NANOS, Math.max(minGapNanos, missing)));
    }
    return Math.max(at, budget.nextAt(now, tracker.waiting()));
  }

  /** Blocks while nobody waits; false when this run should end (closed, or idle for too long). */
  private boolean awaitWaiters() {
    lock.lock();
    try {
      long idleLeft = idleNanos;
      while (!tracker.hasWaiters() && !closed) {
        if (idleLeft <= 0) {
          thread = null;
          return false;
        }
        try {
          idleLeft = someoneWaits.awaitNanos(idleLeft);
        } catch (InterruptedException e) {
          // only close() ends the poller, and it sets closed first
        }
      }
      if (closed) {
        thread = null;
        return false;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** One poll; feeds the tracker and the forecast. False if the server could not be asked. */
  private boolean pollOnce(SideConnection connection) {
    boolean opening = !connection.isOpen();
    ReplayState state;
    try {
      try (ResultSet row = connection.statement().executeQuery()) {
        row.next();
        state = ReplayState.read(row);
      }
    } catch (SQLException | RuntimeException e) {
      failed(connection, opening, e);
      return false;
    }
    connection.succeeded();
    forecast.observed(System.nanoTime(), state.replayed().asLong());
    tracker.polled(state.recovering(), state.replayed());
    return true;
  }

  /**
   * PostgreSQL 19: waits in the server until {@code target} is replayed, or a short while, then reads the replay
   * position in the same round trip (one simple query, two statements): one answer serves every waiter the replica
   * has passed, not only the one waited for. Outside an explicit transaction, read committed, {@code WAIT FOR}
   * holds no snapshot, as it must.
   */
  private boolean waitFor(SideConnection connection, long target) {
    boolean opening = !connection.isOpen();
    ReplayState state;
    try {
      Statement statement = connection.plainStatement();
      statement.execute("WAIT FOR LSN '" + Lsn.of(target) + "' WITH (MODE 'standby_replay', TIMEOUT '"
          + WAIT_FOR_SLICE_MILLIS + "ms', NO_THROW); " + QUERY);
      if (!statement.getMoreResults()) {
        throw new SQLException("lsnwait: WAIT FOR LSN returned no replay position");
      }
      try (ResultSet row = statement.getResultSet()) {
        row.next();
        state = ReplayState.read(row);
      }
    } catch (SQLException | RuntimeException e) {
      failed(connection, opening, e);
      return false;
    }
    connection.succeeded();
    tracker.polled(state.recovering(), state.replayed());
    return true;
  }

  private void failed(SideConnection connection, boolean opening, Exception e) {
    if (opening) {
      // No route reaches this server: the waiters ask on their own connections until the back-off passes.
      tracker.unreachable(connection.retryDelayNanos(), e);
    } else {
      connection.failed();
      LOG.log(connection.failuresInARow() == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
          "lsnwait: cannot poll " + tracker.name() + " (" + e.getMessage() + "); reconnecting");
    }
  }

  /** Ends the poller for good and waits briefly for its thread. */
  void close() {
    Thread running;
    lock.lock();
    try {
      closed = true;
      running = thread;
      someoneWaits.signalAll();
    } finally {
      lock.unlock();
    }
    if (running != null && running != Thread.currentThread()) {
      running.interrupt();
      try {
        running.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

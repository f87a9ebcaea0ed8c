package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The thread that polls one server's replay position while someone waits, and goes away after an idle timeout.
 *
 * <p>Each run of the thread owns its connection, so a poller going idle never shares it with the next one. A run that
 * dies of an unexpected error clears the way for the next: the waiters it leaves are told to ask on their own
 * connections, and the next waiter starts a new run. Only {@link #close()} ends the poller for good; a stray
 * interrupt does not. Nothing blocks inside {@code synchronized}, so virtual threads can wait without pinning.
 */
final class Poller {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.tracker");
  static final String QUERY = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text";

  private final ServerTracker tracker;
  private final Supplier<SideConnection> connections;
  private final long intervalNanos;
  private final long eagerGapNanos;
  private final long idleNanos;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition someoneWaits = lock.newCondition();
  private Thread thread; // guarded by lock; null when no poller runs
  private boolean closed; // guarded by lock

  /** When the last poll started: a new waiter may cut the interval short once this is an eager gap old. */
  private volatile long lastPollStart;
  private volatile boolean lastPollFailed; // then retries keep their back-off

  Poller(ServerTracker tracker, Supplier<SideConnection> connections, long intervalNanos, long idleNanos) {
    this.tracker = tracker;
    this.connections = connections;
    this.intervalNanos = Math.max(1, intervalNanos);
    this.eagerGapNanos = this.intervalNanos / 5;
    this.idleNanos = Math.max(1, idleNanos);
  }

  /**
   * Makes sure a poller runs and, unless one just polled, polls now: a newcomer need not wait out the interval.
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
        if (!lastPollFailed && System.nanoTime() - lastPollStart > eagerGapNanos) {
          LockSupport.unpark(thread);
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    SideConnection connection = connections.get();
    try {
      while (awaitWaiters()) {
        Thread.interrupted(); // a stray interrupt; close() sets closed first, which awaitWaiters sees
        long start = System.nanoTime();
        lastPollStart = start;
        boolean polled = pollOnce(connection);
        lastPollFailed = !polled;
        long next = polled ? start + intervalNanos : System.nanoTime() + connection.retryDelayNanos();
        if (tracker.hasWaiters()) {
          LockSupport.parkNanos(this, next - System.nanoTime()); // a newcomer may cut it short (wake)
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

  /** One poll; feeds the tracker. False if the server could not be asked. */
  private boolean pollOnce(SideConnection connection) {
    boolean opening = !connection.isOpen();
    boolean recovering;
    String position;
    try {
      PreparedStatement poll = connection.statement();
      try (ResultSet row = poll.executeQuery()) {
        row.next();
        recovering = row.getBoolean(1);
        position = row.getString(2);
      }
    } catch (SQLException | RuntimeException e) {
      if (opening) {
        // No route reaches this server: the waiters ask on their own connections until the back-off passes.
        tracker.unreachable(connection.retryDelayNanos(), e);
      } else {
        connection.failed();
        LOG.log(connection.failuresInARow() == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
            "lsnwait: cannot poll " + tracker.name() + " (" + e.getMessage() + "); reconnecting");
      }
      return false;
    }
    connection.succeeded();
    tracker.polled(recovering, position == null ? Lsn.ZERO : Lsn.parse(position));
    return true;
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

package dev.lsnwait.internal.tracker;

import dev.lsnwait.internal.DaemonThread;
import dev.lsnwait.internal.server.SideConnection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The thread that asks one server how far it has replayed, while someone waits or readers keep asking, and goes away
 * after an idle timeout. It decides when to ask; how to ask, and what to make of the answer, is {@link ReplayQuestion}.
 *
 * <p>It asks as little as it can ({@link PollSchedule}). It sleeps until just before the replica is forecast to have
 * replayed the earliest position anyone waits for ({@link ReplayForecast}), polls, and, if it is not there yet, polls
 * again after {@code pollInterval}, and once just before the earliest waiter's reader gives up, whatever the forecast;
 * never more than {@code maxPollRate} a second on average ({@link PollBudget}), however many wait. On PostgreSQL 19
 * and later, where no forecast times the poll or a poll missed, {@code WAIT FOR LSN} waits in the server instead,
 * which wakes on replay. While nobody waits but readers asked for positions lately, it refreshes the cache for the
 * latest commit this JVM made, once that is forecast replayed and at most once per {@code refreshInterval}, so that
 * reads coming after their commit was replayed do not wait; when readers stop asking, nothing.
 *
 * <p>Each run of the thread owns its connection, so a poller going idle never shares it with the next one. A run that
 * dies of an unexpected error clears the way for the next: the waiters it leaves are told to ask on their own
 * connections, and the next waiter starts a new run. Only {@link #close()} ends the poller for good; a stray
 * interrupt does not. Nothing blocks inside {@code synchronized}, so virtual threads can wait without pinning.
 */
final class Poller {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.tracker");
  /** How often to look for a first commit while readers ask but this JVM has committed nothing on the cluster. */
  private static final long NO_COMMITS_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final ServerTracker tracker;
  private final ReplayQuestion question;
  private final Supplier<SideConnection> connections;
  private final TrackerSettings settings;
  private final long idleNanos;
  private final PrimaryClock clock;
  private final long refreshNanos;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition someoneWaits = lock.newCondition();
  private Thread thread; // guarded by lock; null when no poller runs
  private boolean closed; // guarded by lock

  Poller(ServerTracker tracker, Supplier<SideConnection> connections, TrackerSettings settings, PrimaryClock clock) {
    this.tracker = tracker;
    this.question = new ReplayQuestion(tracker);
    this.connections = connections;
    this.settings = settings;
    this.idleNanos = Math.max(1, settings.idleTimeout().toNanos());
    this.clock = clock;
    this.refreshNanos = Math.max(0, settings.refreshInterval().toNanos());
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
        Thread started = DaemonThread.of(this::run, "lsnwait-tracker[" + tracker.name() + "]");
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

  /** A reader asked for a position after a quiet spell: with refreshes on, a poller runs to keep the cache fresh. */
  void demanded() {
    if (refreshNanos > 0) {
      wake();
    }
  }

  private void run() {
    SideConnection connection = connections.get();
    PollSchedule schedule = new PollSchedule(settings, tracker.forecast()); // a new run learns afresh
    try {
      while (awaitWork()) {
        Thread.interrupted(); // a stray interrupt; close() sets closed first, which awaitWork sees
        // One look decides: a waiter coming after it is seen at the next turn (its wake() cuts a park short). A
        // second look could see it while target says nobody, and the server would wait the slice for FFFFFFFF/FFFFFFFF.
        Waiter first = tracker.firstWaiting();
        boolean refreshing = first == null;
        if (refreshing && !refreshWanted()) {
          continue; // the last one just left
        }
        long target = refreshing ? clock.latest() : first.lsn;
        if (refreshing && (target == -1 || tracker.covers(target))) {
          // Nothing new committed here: look again soon, or later if this JVM commits nothing on that cluster.
          LockSupport.parkNanos(this, target == -1 ? NO_COMMITS_NANOS : refreshNanos);
          continue;
        }
        long now = System.nanoTime();
        long at = refreshing
            ? schedule.refreshAt(target, now)
            : schedule.dueAt(target, first.giveUpAt, now, tracker.waiting());
        if (at - now > 0) {
          LockSupport.parkNanos(this, at - now); // a newcomer may cut it short (wake), then this looks again
          continue;
        }
        if (refreshing) {
          schedule.refreshing(now);
          long before = tracker.lastReplay().asLong();
          if (question.poll(connection, schedule)) {
            schedule.refreshed(tracker.lastReplay().asLong() != before);
          } else {
            schedule.failed(connection.retryDelayNanos());
          }
          continue;
        }
        boolean inServer = schedule.asking(target, now, tracker.waiting());
        if (inServer ? question.waitFor(connection, target, schedule) : question.poll(connection, schedule)) {
          schedule.answered(target, now, System.nanoTime(), tracker.covers(target), tracker.waiting());
        } else {
          schedule.failed(connection.retryDelayNanos());
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
   * Blocks while nobody waits and no reader asked lately (or refreshes are off); false when this run should end
   * (closed, or idle for too long).
   */
  private boolean awaitWork() {
    lock.lock();
    try {
      long idleLeft = idleNanos;
      while (!tracker.hasWaiters() && !refreshWanted() && !closed) {
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

  private boolean refreshWanted() {
    return refreshNanos > 0 && tracker.inDemand(System.nanoTime());
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

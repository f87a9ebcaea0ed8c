package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.ConnectionFactory;
import dev.lsnwait.internal.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link ReplicaTracker} of one replica server: a cached replay position, waiters ordered by position, and one
 * daemon thread that polls only while someone waits.
 *
 * <p>No wake-up is lost: a waiter registers first and re-checks the cache after, so a poll that raised the cache in
 * between is seen by the re-check, and a poll that ran after the registration completes the waiter. Waiters that time
 * out, are cancelled or interrupted remove themselves. The poller never holds the lock while it queries, and nothing
 * blocks inside {@code synchronized}, so virtual threads can wait without pinning a carrier.
 */
public final class PollingReplicaTracker implements ReplicaTracker, AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.tracker");
  private static final String POLL = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text";
  private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String name;
  private final long systemIdentifier;
  private final ConnectionFactory connections;
  private final long pollIntervalNanos;
  private final long eagerGapNanos;
  private final long idleNanos;
  /** When the last poll started: a new waiter may cut the interval short once this is eagerGap old. */
  private volatile long lastPollStart;
  private volatile boolean lastPollFailed; // then retries keep their back-off

  /** The replay position as an unsigned long: a lower bound while the poll connection lives. */
  private volatile long replayed;
  private volatile boolean inRecovery;

  private final ConcurrentSkipListSet<Waiter> waiters = new ConcurrentSkipListSet<>(Waiter.ORDER);
  private final AtomicInteger waiterCount = new AtomicInteger(); // the set's size, without walking it
  private final AtomicLong arrivals = new AtomicLong();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition someoneWaits = lock.newCondition();
  private Thread poller; // guarded by lock; null when no poller runs
  private boolean closed; // guarded by lock

  // Used by the poller thread only.
  private Connection connection;
  private PreparedStatement poll;
  private int failuresInARow;

  private final LongAdder polls = new LongAdder();
  private final LongAdder waits = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder proceeded = new LongAdder();

  /**
   * @param name the server, {@code host:port}
   * @param initialReplay the replay position seen when the tracker was made, a first lower bound
   * @param initiallyInRecovery whether the server was in recovery then (false: a forced replica role on a primary)
   * @param pollInterval how often to poll while someone waits
   * @param idleTimeout how long the poller thread and its connection stay after the last waiter
   */
  public PollingReplicaTracker(
      String name,
      long systemIdentifier,
      Lsn initialReplay,
      boolean initiallyInRecovery,
      ConnectionFactory connections,
      Duration pollInterval,
      Duration idleTimeout) {
    this.name = name;
    this.systemIdentifier = systemIdentifier;
    this.connections = connections;
    this.pollIntervalNanos = Math.max(1, pollInterval.toNanos());
    this.eagerGapNanos = pollIntervalNanos / 5;
    this.idleNanos = Math.max(1, idleTimeout.toNanos());
    this.replayed = initialReplay.asLong();
    this.inRecovery = initiallyInRecovery;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long systemIdentifier() {
    return systemIdentifier;
  }

  @Override
  public Lsn lastReplay() {
    return Lsn.of(replayed);
  }

  @Override
  public boolean isInRecovery() {
    return inRecovery;
  }

  @Override
  public boolean isReplicated(Lsn lsn) {
    return !inRecovery || Long.compareUnsigned(replayed, lsn.asLong()) >= 0;
  }

  @Override
  public CompletableFuture<Lsn> whenReplayed(Lsn lsn) {
    if (isReplicated(lsn)) {
      return CompletableFuture.completedFuture(lastReplay());
    }
    Waiter waiter = new Waiter(lsn.asLong(), arrivals.incrementAndGet());
    waiters.add(waiter);
    waiterCount.incrementAndGet();
    waiter.replayed.whenComplete((position, failure) -> release(waiter));
    if (!wakePoller()) {
      waiter.replayed.completeExceptionally(closedException());
      return waiter.replayed;
    }
    if (isReplicated(lsn)) { // re-check after registering: a poll may have raised the cache meanwhile
      waiter.replayed.complete(lastReplay());
    }
    return waiter.replayed;
  }

  @Override
  public boolean await(Lsn lsn, Duration timeout) throws InterruptedException {
    if (isReplicated(lsn)) {
      return true;
    }
    waits.increment();
    CompletableFuture<Lsn> replay = whenReplayed(lsn);
    try {
      replay.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      if (!replay.cancel(false)) { // completed just now: it was replayed after all
        return !replay.isCompletedExceptionally();
      }
      timeouts.increment();
      return false;
    } catch (InterruptedException e) {
      replay.cancel(false);
      throw e;
    } catch (ExecutionException | CancellationException e) {
      return false; // the tracker closed
    }
  }

  /** Takes a waiter out (cancelled, timed out, failed), unless the poller already did. */
  private void release(Waiter waiter) {
    if (waiter.claim()) {
      waiters.remove(waiter);
      waiterCount.decrementAndGet();
    }
  }

  /** Counts a read that ran after its wait timed out ({@code lsnwait.onTimeout=proceed}). */
  public void recordProceededAfterTimeout() {
    proceeded.increment();
  }

  @Override
  public Stats stats() {
    return new Stats(polls.sum(), waits.sum(), timeouts.sum(), proceeded.sum(), waiterCount.get());
  }

  /** Starts or signals the poller; false if the tracker is closed. */
  private boolean wakePoller() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      if (poller == null) {
        poller = new Thread(this::pollWhileWaited, "lsnwait-tracker[" + name + "]");
        poller.setDaemon(true);
        poller.start();
      } else {
        someoneWaits.signal(); // wakes an idle poller
        if (!lastPollFailed && System.nanoTime() - lastPollStart > eagerGapNanos) {
          LockSupport.unpark(poller); // a newcomer need not wait out the interval: poll now
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void pollWhileWaited() {
    try {
      while (awaitWaiters()) {
        lastPollStart = System.nanoTime();
        long nextPoll = lastPollStart + pollIntervalNanos;
        lastPollFailed = !pollOnce();
        if (lastPollFailed) {
          nextPoll = System.nanoTime() + retryDelayNanos();
        }
        if (!waiters.isEmpty()) {
          // Until the next poll; a newcomer may cut it short (wakePoller), at most once per eager gap.
          LockSupport.parkNanos(this, nextPoll - System.nanoTime());
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, "lsnwait: tracker " + name + " stopped unexpectedly", e);
      failAll(e);
      throw e;
    } finally {
      closeConnection();
    }
  }

  /** Blocks while nobody waits; false when the poller should end (closed, or idle for too long). */
  private boolean awaitWaiters() {
    lock.lock();
    try {
      long idleLeft = idleNanos;
      while (waiters.isEmpty() && !closed) {
        if (idleLeft <= 0) {
          poller = null;
          return false;
        }
        try {
          idleLeft = someoneWaits.awaitNanos(idleLeft);
        } catch (InterruptedException e) {
          closed = true; // only close() interrupts the poller
        }
      }
      if (closed) {
        poller = null;
        return false;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** One poll; completes every waiter it satisfies. False if the replica could not be asked. */
  private boolean pollOnce() {
    try {
      boolean fresh = connection == null;
      if (fresh) {
        connection = connections.open();
        connection.setAutoCommit(true);
        poll = connection.prepareStatement(POLL);
      }
      boolean recovering;
      String position;
      try (ResultSet row = poll.executeQuery()) {
        row.next();
        recovering = row.getBoolean(1);
        position = row.getString(2);
      }
      polls.increment();
      failuresInARow = 0;
      observe(recovering, position == null ? 0 : Lsn.parse(position).asLong(), fresh);
      return true;
    } catch (SQLException | RuntimeException e) {
      failuresInARow++;
      closeConnection();
      LOG.log(
          failuresInARow == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
          "lsnwait: cannot poll replica " + name + " (" + e.getMessage() + "); waiters keep waiting, retrying");
      return false;
    }
  }

  private void observe(boolean recovering, long position, boolean freshConnection) {
    if (!recovering) {
      inRecovery = false; // a primary or a promoted replica: nothing to wait for
      completeUpTo(-1L);
      return;
    }
    inRecovery = true;
    // Monotonic while one connection lives; after a reconnect (a restarted replica may be behind its old
    // position until it is consistent again) take the server's word.
    if (freshConnection || Long.compareUnsigned(position, replayed) > 0) {
      replayed = position;
    }
    completeUpTo(replayed);
  }

  /**
   * Completes every waiter at or below {@code position}: first claims them all (in LSN order, from the head), then
   * wakes them all, then takes them out of the set, so that the wake-ups follow each other as closely as possible.
   */
  private void completeUpTo(long position) {
    List<Waiter> due = new ArrayList<>();
    for (Waiter waiter : waiters) {
      if (Long.compareUnsigned(waiter.lsn, position) > 0) {
        break;
      }
      if (waiter.claim()) {
        due.add(waiter);
      }
    }
    if (due.isEmpty()) {
      return;
    }
    waiterCount.addAndGet(-due.size()); // before they wake, so the count is exact once they do
    Lsn now = Lsn.of(replayed);
    for (Waiter waiter : due) {
      waiter.replayed.complete(now);
    }
    for (Waiter waiter : due) {
      waiters.remove(waiter); // one by one: removeAll would first count the set
    }
  }

  private long retryDelayNanos() {
    long delay = TimeUnit.MILLISECONDS.toNanos(10) << Math.min(failuresInARow - 1, 10);
    return Math.min(delay, MAX_RETRY_NANOS);
  }

  private void closeConnection() {
    Jdbc.closeQuietly(connection);
    connection = null;
    poll = null;
  }

  private void failAll(Throwable cause) {
    for (Waiter waiter : waiters) {
      if (waiter.claim()) {
        waiters.remove(waiter);
        waiterCount.decrementAndGet();
        waiter.replayed.completeExceptionally(cause);
      }
    }
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("lsnwait: tracker " + name + " is closed");
  }

  /** Stops the poller, fails every waiter (their reads time out at once) and waits briefly for the thread to end. */
  @Override
  public void close() {
    Thread running;
    lock.lock();
    try {
      closed = true;
      running = poller;
      someoneWaits.signalAll();
    } finally {
      lock.unlock();
    }
    failAll(closedException());
    if (running != null && running != Thread.currentThread()) {
      running.interrupt();
      try {
        running.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "ReplicaTracker[" + name + ", replayed " + lastReplay() + (inRecovery ? "" : ", not in recovery") + "]";
  }
}

package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.server.SideConnection;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The {@link ReplicaTracker} of one server: what is known of its replay position ({@link ReplayCache}: a lower bound,
 * fed by the poller and by every connection that looks), the readers waiting for more, and the poller that runs while
 * someone waits.
 *
 * <p>No wake-up is lost: a waiter registers first and re-checks the cache after, so an observation that raised the
 * cache in between is seen by the re-check, and one made after the registration completes the waiter.
 */
public final class ServerTracker implements ReplicaTracker, AutoCloseable {

  /** What a tracker's connection asks its server. */
  public static final String POLL_QUERY = ReplayQuestion.QUERY;
  /** No position: nobody waits. */
  static final long NOBODY = -1L;

  /** How a wait ended. */
  public enum Outcome {
    REPLAYED,
    TIMED_OUT,
    /** The tracker cannot answer (its server is out of its reach, or it closed): ask over the reader's connection. */
    ASK_YOURSELF
  }

  private final String name;
  private final ServerIdentity identity;
  private final WaiterQueue waiters = new WaiterQueue();
  private final ReplayForecast forecast;
  private final Poller poller;
  private final ReplayCache replay;

  private volatile long unreachableUntil; // nanoTime; meaningful while unreachable is set
  private volatile boolean unreachable;
  private volatile boolean closed;
  private final ReaderDemand demand = new ReaderDemand();

  private final TrackerCounts counts = new TrackerCounts();

  /** Loads what waiting uses now (at driver registration): see {@link WaiterQueue#preload}. */
  public static void preload() {
    WaiterQueue.preload();
  }

  /**
   * @param connections makes the poller's connections, each checked to reach this very server
   * @param clock when the cluster's primary passed a position, for forecasts of replay
   */
  public ServerTracker(
      String name,
      ServerIdentity identity,
      boolean inRecovery,
      Lsn replayed,
      Supplier<SideConnection> connections,
      TrackerSettings settings,
      PrimaryClock clock) {
    this.name = name;
    this.identity = identity;
    this.replay = new ReplayCache(inRecovery, replayed.asLong());
    this.forecast = new ReplayForecast(clock);
    this.poller = new Poller(this, connections, settings, clock);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long systemIdentifier() {
    return identity.systemIdentifier();
  }

  public ServerIdentity identity() {
    return identity;
  }

  @Override
  public Lsn lastReplay() {
    return Lsn.of(replay.position());
  }

  /** When a poll last saw the server replaying (nanoTime): {@link #lastReplay} is a lower bound as of then. */
  public long lastSeen() {
    return replay.lastSeen();
  }

  /** Whether lsnwait's own connections cannot reach the server now (readers ask on their own connections). */
  public boolean isUnreachable() {
    return unreachable && System.nanoTime() - unreachableUntil < 0;
  }

  @Override
  public boolean isInRecovery() {
    return replay.inRecovery();
  }

  @Override
  public boolean isReplicated(Lsn lsn) {
    if (replay.inRecovery() && demand.asked()) {
      poller.demanded(); // the first ask after a quiet spell: with refreshes on, the poller keeps the cache fresh
    }
    return covers(lsn.asLong());
  }

  /** Whether the cache shows {@code lsn} (unsigned) replayed, without counting as a reader's demand. */
  boolean covers(long lsn) {
    return replay.covers(lsn);
  }

  /** Whether the server holds {@code lsn} written on {@code writtenOn} (0: not known); see {@link Promotion}. */
  public boolean holds(Lsn lsn, int writtenOn) {
    Promotion left = replay.promotion();
    return left == null ? isReplicated(lsn) : left.holds(lsn.asLong(), writtenOn);
  }

  /**
   * Whether the cache showed the server holding {@code lsn} (written on {@code writtenOn}, 0 unknown) already before
   * {@code nanoTime}: then the server had it before that moment. A repeatable-read transaction's snapshot, fixed by a
   * check that began at that moment, holds it; what the cache learned later (while the check's answer was on its way)
   * may be younger than the snapshot.
   */
  public boolean knewBefore(Lsn lsn, int writtenOn, long nanoTime) {
    return replay.knewBefore(lsn.asLong(), writtenOn, nanoTime);
  }

  /** Whether a reader asked for a position within {@link ReaderDemand#DEMAND_NANOS}. */
  boolean inDemand(long now) {
    return demand.within(now);
  }

  /** What the poller learns of the replay's lag and pace. */
  ReplayForecast forecast() {
    return forecast;
  }

  /**
   * What the polls of the last {@code ReplayForecast.TRUSTED_NANOS} tell of {@code lsn}: when the server will replay
   * it at the earliest, and when its replay was last seen moving; unknown while nobody polled lately.
   */
  public ReplayOutlook outlook(Lsn lsn) {
    long now = System.nanoTime();
    return new ReplayOutlook(forecast.notBefore(lsn.asLong(), now), forecast.movedAt(now));
  }

  /**
   * What someone saw of this server (a new connection, a poll, a reader asking on its own connection, a routing
   * connection's check). In recovery the position only raises the lower bound. Out of recovery (promoted) replay is
   * over: readers of what it replayed go on, the others are told at once (they would wait in vain); its timeline, when
   * known, tells its own writes.
   */
  public void observe(ReplayState state) {
    if (!state.recovering()) {
      long ended = replay.leftRecovery(state);
      waiters.completeUpTo(ended, Lsn.of(ended));
      waiters.failAll(new ServerUnreachable("lsnwait: " + name + " left recovery", null));
    } else if (replay.inRecovery()) { // else seen in recovery before the promotion, told after it: nothing to do
      long now = replay.raise(state.replayed().asLong());
      waiters.completeUpTo(now, Lsn.of(now));
    }
  }

  /** A poll (or a {@code WAIT FOR LSN} and the poll after it) answered: the server is within reach again. */
  void polled(ReplayState state) {
    counts.polled();
    unreachable = false;
    observe(state);
  }

  /** Out of recovery: where its replay ended, the last position of its old primary it holds. */
  public Lsn endOfReplay() {
    return Lsn.of(replay.endOfReplay());
  }

  /** How many wait now. */
  int waiting() {
    return waiters.size();
  }

  /** Whoever waits for the earliest position (unsigned), or null if nobody waits. */
  Waiter firstWaiting() {
    return waiters.first();
  }

  /** No route reaches the server: current and new waiters ask on their own connections for a while. */
  void unreachable(long forNanos, Throwable cause) {
    unreachableUntil = System.nanoTime() + forNanos;
    unreachable = true;
    waiters.failAll(new ServerUnreachable("lsnwait: " + name + " is out of the tracker's reach", cause));
  }

  void failWaiters(Throwable cause) {
    waiters.failAll(cause);
  }

  boolean hasWaiters() {
    return !waiters.isEmpty();
  }

  @Override
  public CompletableFuture<Lsn> whenReplayed(Lsn lsn) {
    return whenReplayed(lsn, Waiter.NO_DEADLINE);
  }

  /**
   * {@link #whenReplayed(Lsn)} for a reader that stops waiting at {@code giveUpAt} (nanoTime): while it waits for the
   * earliest position, the server is asked once more before then, whatever the forecast says, so a forecast that
   * comes late does not let it wait in vain.
   */
  public CompletableFuture<Lsn> whenReplayed(Lsn lsn, long giveUpAt) {
    if (isReplicated(lsn)) {
      return CompletableFuture.completedFuture(lastReplay());
    }
    if (closed || (unreachable && System.nanoTime() - unreachableUntil < 0)) {
      return CompletableFuture.failedFuture(new ServerUnreachable("lsnwait: " + name + " cannot be tracked now", null));
    }
    CompletableFuture<Lsn> replay = waiters.add(lsn.asLong(), giveUpAt);
    if (!poller.wake()) {
      replay.completeExceptionally(new ServerUnreachable("lsnwait: the tracker of " + name + " cannot poll", null));
    } else if (covers(lsn.asLong())) { // re-check after registering: an observation may have raised the cache meanwhile
      replay.complete(lastReplay());
    }
    return replay;
  }

  /**
   * Waits until {@code lsn} is replayed, the deadline passes, or the tracker cannot answer.
   *
   * @throws InterruptedException if interrupted (the waiter is removed)
   */
  public Outcome await(Lsn lsn, long deadlineNanos) throws InterruptedException {
    if (isReplicated(lsn)) {
      return Outcome.REPLAYED;
    }
    counts.waited();
    CompletableFuture<Lsn> replay = whenReplayed(lsn, deadlineNanos);
    try {
      replay.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      return Outcome.REPLAYED;
    } catch (TimeoutException e) {
      if (!replay.cancel(false)) { // completed just now
        return replay.isCompletedExceptionally() ? Outcome.ASK_YOURSELF : Outcome.REPLAYED;
      }
      counts.timedOut();
      return Outcome.TIMED_OUT;
    } catch (InterruptedException e) {
      replay.cancel(false);
      throw e;
    } catch (ExecutionException | CancellationException e) {
      return Outcome.ASK_YOURSELF;
    }
  }

  @Override
  public boolean await(Lsn lsn, Duration timeout) throws InterruptedException {
    return await(lsn, System.nanoTime() + Math.max(0, timeout.toNanos())) == Outcome.REPLAYED;
  }

  /** What this tracker and the reads of its server counted. */
  public TrackerCounts counts() {
    return counts;
  }

  @Override
  public Stats stats() {
    return counts.stats(waiters.size());
  }

  public boolean isClosed() {
    return closed;
  }

  /** Stops the poller; waiters are told to ask on their own connections. */
  @Override
  public void close() {
    closed = true;
    poller.close();
    waiters.failAll(new ServerUnreachable("lsnwait: the tracker of " + name + " is closed", null));
  }

  @Override
  public String toString() {
    return "ReplicaTracker[" + name + ", replayed " + lastReplay() + (isInRecovery() ? "" : ", not in recovery") + "]";
  }
}

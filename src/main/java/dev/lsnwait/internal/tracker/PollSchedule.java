package dev.lsnwait.internal.tracker;

import java.util.concurrent.TimeUnit;

/**
 * When a tracker's poller asks its server next, and how: for the earliest waiter, a poll at the forecast replay (less
 * a lead), after misses at growing gaps, within the budget; on PostgreSQL 19, where no forecast times the poll or a
 * poll at the forecast missed, a wait in the server ({@code WAIT FOR LSN}) instead, which wakes on replay. With nobody
 * waiting but readers asking, a refresh for the latest commit of this JVM at most once per {@code refreshInterval}.
 * Whatever the forecast, one poll just before the earliest waiter's reader gives up. Used by the poller thread only.
 */
final class PollSchedule {

  /** How long before a forecast replay to ask: about half a round trip on a LAN. */
  private static final long LEAD_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  /**
   * How long before a reader gives up to ask once more, whatever the forecast says, at least: a round trip on a LAN
   * and a thread's wake-up, so that the answer comes while it still waits. Twice the round trip polls take, if longer.
   */
  private static final long BEFORE_GIVING_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** The most that a slow round trip moves the poll before a reader gives up. */
  private static final long BEFORE_GIVING_UP_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** Ask at least this often while someone waits or a refresh is due, whatever the forecast says. */
  private static final long MAX_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The longest gap between polls for a target that keeps not being there (a stalled replay). */
  private static final long MAX_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final long minGapNanos;
  private final long refreshNanos;
  private final boolean waitForLsn;
  private final PollBudget budget;
  private final ReplayForecast forecast;

  private long lastAsk = System.nanoTime() - MAX_QUIET_NANOS;
  private long retryAt = lastAsk; // after a failure, nothing is asked before this
  private long askedFor = ServerTracker.NOBODY; // the target of the last poll for a waiter
  private long firstMissAt = Long.MIN_VALUE; // when polls for it first and last missed it
  private long missedAt = Long.MIN_VALUE;
  private long refreshGap;
  private boolean inServer; // the question for askedFor out now waits in the server
  private long roundTrip; // of the last polls for waiters, smoothed (nanos)

  /** @param forecast the tracker's, which this run teaches afresh */
  PollSchedule(TrackerSettings settings, ReplayForecast forecast) {
    this.minGapNanos = Math.max(1, settings.pollInterval().toNanos());
    this.refreshNanos = Math.max(0, settings.refreshInterval().toNanos());
    this.waitForLsn = settings.waitForLsn();
    this.budget = new PollBudget(settings.maxPollRate(), minGapNanos);
    this.forecast = forecast;
    forecast.forget();
    this.refreshGap = refreshNanos;
  }

  /**
   * When to ask about {@code target}, the earliest waiter's, whose reader gives up at {@code giveUpAt} (or
   * {@link Waiter#NO_DEADLINE}): the forecast (less a lead), but not before the gap and the budget allow. After polls
   * that missed the target (the replica is slower than forecast, or stalled), the gap grows with the time missed, a
   * quarter of it: a wait comes at most a quarter later than the replay, with a few polls per doubling.
   *
   * <p>Its reader about to give up, the server is asked once more (once: not again after that poll, if it missed).
   * A forecast errs late when the lag falls (a replica that was far behind keeps up again): polls at the forecast
   * would then only confirm the old lag (each finds the target replayed as late as it asks), and every reader with a
   * shorter wait would wait in vain. Only the earliest position's waiter is looked at: readers wait about as long as
   * each other, so it is about the first to give up, and whatever that poll teaches serves the others.
   */
  long dueAt(long target, long giveUpAt, long now, int waiting) {
    long due = forecast.expected(target, now);
    if (waitsInServer(target, due)) { // the server answers on replay: no time to guess, only a retry delay
      return Math.max(Math.max(now, retryAt), budget.nextAt(now, waiting));
    }
    long at = due == Long.MIN_VALUE ? now : due - LEAD_NANOS;
    at = Math.min(at, lastAsk + MAX_QUIET_NANOS); // a forecast can be wrong
    if (giveUpAt != Waiter.NO_DEADLINE) {
      long lastChance =
          giveUpAt - Math.min(BEFORE_GIVING_UP_MAX_NANOS, Math.max(BEFORE_GIVING_UP_NANOS, 2 * roundTrip));
      if (lastAsk - lastChance < 0 && lastChance - at < 0) { // compared as differences: a deadline may wrap
        at = lastChance;
      }
    }
    long missing = target != askedFor || firstMissAt == Long.MIN_VALUE ? 0 : (now - firstMissAt) / 4;
    at = Math.max(at, lastAsk + Math.min(MAX_GAP_NANOS, Math.max(minGapNanos, missing)));
    return Math.max(at, budget.nextAt(now, waiting));
  }

  /**
   * PostgreSQL 19: whether a question about {@code target}, forecast replayed at {@code expected} ({@link
   * ReplayForecast#expected}), should wait in the server rather than poll. A poll at a forecast that is right costs
   * one statement and wakes nothing in the server, so it comes first, as before 19; measured on 19 with 20 ms of lag,
   * readers woken by polls waited 0.4 ms less at the median than readers woken by the server. Where nothing
   * forecasts the replay, or a poll at the forecast missed, the server wakes the poller on replay: no gaps between
   * polls, however long replay stalls.
   */
  private boolean waitsInServer(long target, long expected) {
    return waitForLsn && ((target == askedFor && firstMissAt != Long.MIN_VALUE) || expected == Long.MIN_VALUE);
  }

  /**
   * When to refresh the cache for {@code target}, the latest commit position this JVM knows of, while nobody waits:
   * when it is forecast replayed, but at most once per refresh gap. A read that comes after its commit was replayed
   * then finds it in the cache, without a round trip of its own.
   */
  long refreshAt(long target, long now) {
    long due = forecast.expected(target, now);
    long at = due == Long.MIN_VALUE ? now : Math.min(due - LEAD_NANOS, lastAsk + MAX_QUIET_NANOS); // may be wrong
    return Math.max(Math.max(at, lastAsk + refreshGap), budget.nextAt(now, 0));
  }

  /**
   * A question for the waiter at {@code target} goes out now.
   *
   * @return true if it waits in the server ({@code WAIT FOR LSN}), false if it is a poll
   */
  boolean asking(long target, long now, int waiting) {
    asked(now, waiting);
    if (target != askedFor) {
      askedFor = target;
      firstMissAt = Long.MIN_VALUE;
      missedAt = Long.MIN_VALUE;
    }
    inServer = waitForLsn && waitsInServer(target, forecast.expected(target, now)); // no forecast asked before 19
    return inServer;
  }

  /** A refresh goes out now. */
  void refreshing(long now) {
    asked(now, 0);
  }

  private void asked(long now, int waiting) {
    budget.take(now, waiting);
    lastAsk = now;
  }

  /** The server could not be asked: the next poll waits for the connection's retry delay. */
  void failed(long retryDelayNanos) {
    retryAt = System.nanoTime() + retryDelayNanos;
    lastAsk = retryAt - minGapNanos;
  }

  /** A poll sent at {@code sentAt} answered at {@code now}: the replica had replayed {@code position}. */
  void observed(long sentAt, long now, long position) {
    forecast.observed(sentAt, now, position);
  }

  /**
   * The question for the waiter at {@code target}, sent at {@code sentAt} and answered at {@code answeredAt}, found
   * it replayed or not (a wait in the server that did not find it ran out its slice: a miss, as a poll's).
   */
  void answered(long target, long sentAt, long answeredAt, boolean replayed, int waiting) {
    if (!inServer) { // a wait in the server takes as long as replay does
      long took = answeredAt - sentAt;
      roundTrip = roundTrip == 0 ? took : (roundTrip * 3 + took) / 4;
    }
    if (inServer && replayed) {
      if (firstMissAt != Long.MIN_VALUE) { // replayed between the missed poll and the server's answer
        forecast.served(target, answeredAt, missedAt, false);
      }
      return;
    }
    if (replayed) {
      forecast.served(target, sentAt, missedAt, budget.plentiful(sentAt, waiting));
    } else {
      firstMissAt = firstMissAt == Long.MIN_VALUE ? sentAt : firstMissAt;
      missedAt = sentAt;
    }
  }

  /** A refresh answered: a replay that did not move (paused, or stalled) is asked about less and less often. */
  void refreshed(boolean moved) {
    refreshGap = moved ? refreshNanos : Math.min(Math.max(refreshNanos, MAX_GAP_NANOS), 2 * refreshGap);
  }
}

package dev.lsnwait.internal.tracker;

import java.util.concurrent.TimeUnit;

/**
 * When a tracker's poller asks its server next: for the earliest waiter, at the forecast replay (less a lead), after
 * misses at growing gaps, within the budget; with nobody waiting but readers asking, a refresh for the latest commit
 * of this JVM at most once per {@code refreshInterval}. Used by the poller thread only.
 */
final class PollSchedule {

  /** How long before a forecast replay to ask: about half a round trip on a LAN. */
  private static final long LEAD_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
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
  private long askedFor = ServerTracker.NOBODY; // the target of the last poll for a waiter
  private long firstMissAt = Long.MIN_VALUE; // when polls for it first and last missed it
  private long missedAt = Long.MIN_VALUE;
  private long refreshGap;

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
   * When to ask about {@code target}, the earliest waiter's: the forecast (less a lead), but not before the gap and
   * the budget allow. After polls that missed the target (the replica is slower than forecast, or stalled), the gap
   * grows with the time missed, a quarter of it: a wait comes at most a quarter later than the replay, with a few
   * polls per doubling.
   */
  long dueAt(long target, long now, int waiting) {
    long due = waitForLsn ? now : forecast.expected(target, now);
    long at = due == Long.MIN_VALUE ? now : due - LEAD_NANOS;
    at = Math.min(at, lastAsk + MAX_QUIET_NANOS); // a forecast can be wrong
    if (!waitForLsn) {
      long missing = target != askedFor || firstMissAt == Long.MIN_VALUE ? 0 : (now - firstMissAt) / 4;
      at = Math.max(at, lastAsk + Math.min(MAX_GAP_NANOS, Math.max(minGapNanos, missing)));
    }
    return Math.max(at, budget.nextAt(now, waiting));
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

  /** A poll for the waiter at {@code target} goes out now. */
  void asking(long target, long now, int waiting) {
    asked(now, waiting);
    if (target != askedFor) {
      askedFor = target;
      firstMissAt = Long.MIN_VALUE;
      missedAt = Long.MIN_VALUE;
    }
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
    lastAsk = System.nanoTime() + retryDelayNanos - minGapNanos;
  }

  /** A poll sent at {@code sentAt} answered at {@code now}: the replica had replayed {@code position}. */
  void observed(long sentAt, long now, long position) {
    forecast.observed(sentAt, now, position);
  }

  /** The poll for the waiter at {@code target}, sent at {@code sentAt}, found it replayed or not. */
  void answered(long target, long sentAt, boolean replayed, int waiting) {
    if (waitForLsn) {
      return; // the server woke on replay: nothing to learn
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

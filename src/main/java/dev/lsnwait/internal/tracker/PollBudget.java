package dev.lsnwait.internal.tracker;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket for a tracker's polls. With many readers waiting, one poll serves many: the tracker polls at most
 * {@code maxPollRate} a second on average, however many wait. With few, each wait gets polls of its own, up to one
 * every {@code pollInterval} shared among them (a few readers at a small lag poll about as often as they read, which
 * keeps their waits short). A short burst is allowed so that a wait can poll finely around its forecast. Used by the
 * poller thread only.
 */
final class PollBudget {

  private static final int BURST = 20;

  private final double floorPerSecond;
  private final double perSecondForOne;
  private double tokens = BURST;
  private long refilledAt = System.nanoTime();

  /**
   * @param maxPollRate the rate however many wait
   * @param pollIntervalNanos the shortest gap between polls: one waiter alone may poll that often
   */
  PollBudget(int maxPollRate, long pollIntervalNanos) {
    this.floorPerSecond = Math.max(1, maxPollRate);
    this.perSecondForOne = TimeUnit.SECONDS.toNanos(1) / (double) Math.max(1, pollIntervalNanos);
  }

  private double ratePerNano(int waiters) {
    double perSecond = Math.max(floorPerSecond, perSecondForOne / Math.max(1, waiters));
    return perSecond / TimeUnit.SECONDS.toNanos(1);
  }

  private void refill(long now, int waiters) {
    tokens = Math.min(BURST, tokens + (now - refilledAt) * ratePerNano(waiters));
    refilledAt = now;
  }

  /** The earliest time (nanoTime) a poll is allowed, with {@code waiters} waiting. */
  long nextAt(long now, int waiters) {
    refill(now, waiters);
    return tokens >= 1 ? now : now + (long) ((1 - tokens) / ratePerNano(waiters));
  }

  /** Whether polls are plentiful: more than half the burst is left (then a forecast may try to come earlier). */
  boolean plentiful(long now, int waiters) {
    refill(now, waiters);
    return tokens > BURST / 2.0;
  }

  /** Spends one poll. */
  void take(long now, int waiters) {
    refill(now, waiters);
    tokens -= 1;
  }
}

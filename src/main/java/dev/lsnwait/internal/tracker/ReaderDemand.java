package dev.lsnwait.internal.tracker;

import java.util.concurrent.TimeUnit;

/**
 * Whether readers asked a tracker for positions lately: while they do, its poller keeps the cache fresh. Asking
 * readers note the time at most once per millisecond (one write per millisecond, not per read).
 */
final class ReaderDemand {

  /** Reads that ask for a position keep the tracker in demand this long. */
  static final long DEMAND_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long NOTE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private volatile long askedAt = System.nanoTime() - 2 * DEMAND_NANOS;

  /** A reader asked now; true if it is the first after a quiet spell (the poller may be idle). */
  boolean asked() {
    long now = System.nanoTime();
    long last = askedAt;
    if (now - last < NOTE_NANOS) {
      return false;
    }
    askedAt = now;
    return now - last >= DEMAND_NANOS;
  }

  /** Whether a reader asked within {@link #DEMAND_NANOS} of {@code now}. */
  boolean within(long now) {
    return now - askedAt < DEMAND_NANOS;
  }
}

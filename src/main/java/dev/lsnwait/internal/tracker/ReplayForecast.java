package dev.lsnwait.internal.tracker;

import java.util.concurrent.TimeUnit;

/**
 * When a replica will replay a position. Where this JVM's reads of the primary's position tell when the primary
 * passed a position (a commit's token is such a read), the replica replays it about a lag later. The lag is learned
 * from what polls see, and errs early: a forecast that comes early costs one more poll, one that comes late costs
 * every waiter the difference.
 *
 * <ul>
 *   <li>Each poll bounds the lag from above: whatever the primary passed before the position the replica has
 *       replayed was replayed by the time of the poll. A lag learned during a stall, or from a read that came long
 *       after its write, is forgotten at the next poll.
 *   <li>A wait served after a miss bounds it from both sides (replayed between the two polls): the next forecast
 *       aims early in that interval.
 *   <li>A wait served at the first try may have come late: the next forecast tries a little earlier when polls are
 *       plentiful.
 * </ul>
 *
 * <p>Without the primary's times (a token from another application instance), the forecast follows the pace at which
 * the replica replays while it keeps replaying. Used by the poller thread only.
 */
final class ReplayForecast {

  /** How much earlier to try after a poll that found its target at once. */
  private static final long PROBE_NANOS = TimeUnit.MICROSECONDS.toNanos(250);
  /** The pace of replay counts only while polls keep seeing it move: an idle replica has no pace. */
  private static final long PACE_MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final double SMOOTHING = 0.3;

  private final PrimaryClock clock;
  private long lag = Long.MIN_VALUE;
  private long lastTime = Long.MIN_VALUE; // when the replay position last moved
  private long lastPosition;
  private double bytesPerNano;

  ReplayForecast(PrimaryClock clock) {
    this.clock = clock;
  }

  /** A poll answered at {@code now}: the replica had replayed {@code position}. */
  void observed(long now, long position) {
    long passed = clock.timeUpTo(position);
    if (passed != Long.MIN_VALUE && (lag == Long.MIN_VALUE || now - passed < lag)) {
      lag = now - passed;
    }
    if (lastTime != Long.MIN_VALUE && Long.compareUnsigned(position, lastPosition) <= 0) {
      return; // no progress: no pace to learn (idle, or paused)
    }
    if (lastTime != Long.MIN_VALUE && now > lastTime && now - lastTime <= PACE_MAX_AGE_NANOS) {
      double pace = (position - lastPosition) / (double) (now - lastTime);
      bytesPerNano = bytesPerNano == 0 ? pace : SMOOTHING * pace + (1 - SMOOTHING) * bytesPerNano;
    }
    lastTime = now;
    lastPosition = position;
  }

  /**
   * A poll sent at {@code now} found {@code target} replayed; the poll before, for the same target, sent at
   * {@code missedAt} (or {@link Long#MIN_VALUE} if this was the first) had not. {@code probe}: polls are plentiful
   * enough to try earlier next time.
   */
  void served(long target, long now, long missedAt, boolean probe) {
    long primaryTime = clock.timeAt(target);
    if (primaryTime == Long.MIN_VALUE || now <= primaryTime) {
      return;
    }
    long upper = now - primaryTime;
    if (missedAt == Long.MIN_VALUE || missedAt <= primaryTime) {
      lag = (lag == Long.MIN_VALUE ? upper : Math.min(lag, upper)) - (probe ? PROBE_NANOS : 0);
    } else {
      long lower = missedAt - primaryTime;
      lag = lower + (upper - lower) / 4;
    }
  }

  /** When (nanoTime) the replica is expected to have replayed {@code target}, or {@link Long#MIN_VALUE}: no idea. */
  long expected(long target, long now) {
    long primaryTime = clock.timeAt(target);
    if (primaryTime != Long.MIN_VALUE && lag != Long.MIN_VALUE) {
      return primaryTime + Math.max(0, lag);
    }
    if (bytesPerNano > 0 && lastTime != Long.MIN_VALUE && now - lastTime <= PACE_MAX_AGE_NANOS) {
      return lastTime + (long) ((target - lastPosition) / bytesPerNano);
    }
    return Long.MIN_VALUE;
  }
}

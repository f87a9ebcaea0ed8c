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
 *   <li>Each poll also bounds it from below, for placement only ({@link #notBefore}): what the primary passed after
 *       that position was not replayed when the poll was sent. Unlike the learned lag, which may err late until
 *       polls and waits have narrowed it, this bound is never above the lag of that moment. It is only as tight as
 *       the primary's writes are dense (the oldest write not replayed may be younger than the lag), so placement
 *       takes the highest of the last {@link #FLOOR_WINDOW_NANOS}, unless a poll found the replica caught up since,
 *       or bounds its lag from above by less: it has replayed a position the primary reached later than the higher
 *       bound allows (the lag fell, as when a paused or stalled replay resumes). That upper bound counts from when
 *       the primary was still short of the position ({@link PrimaryClock#shortOf}), so a pause in writes, whose
 *       position this JVM may read again and again, does not lower it as it lowers the polls' lower bounds.
 *   <li>A wait served after a miss bounds it from both sides (replayed between the two polls): the next forecast
 *       aims early in that interval.
 *   <li>A wait served at the first try may have come late: the next forecast tries a little earlier when polls are
 *       plentiful.
 * </ul>
 *
 * <p>Without the primary's times (a token from another application instance), the forecast follows the pace at which
 * the replica replays while it keeps replaying. Learned by the poller thread only; read by any thread.
 */
final class ReplayForecast {

  /** How much earlier to try after a poll that found its target at once. */
  private static final long PROBE_NANOS = TimeUnit.MICROSECONDS.toNanos(250);
  /** The pace of replay counts only while polls keep seeing it move: an idle replica has no pace. */
  private static final long PACE_MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /**
   * Placement trusts the last poll this long: while readers ask, a replica that is behind is polled at least every
   * 100 ms; with refreshes off, polls stop when nobody waits, and a bound from long ago would keep work off it.
   */
  static final long TRUSTED_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * How long a poll's lower bound of the lag stands against lower ones after it: about as long as writes may pause
   * while reads wait (a replica far behind replays such a pause for as long, and the bounds of its polls sink by as
   * much); short, since a replica whose lag falls slowly (no poll bounds it from above by less than the old bound)
   * keeps the old bound that long.
   */
  static final long FLOOR_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final double SMOOTHING = 0.3;

  private final PrimaryClock clock;
  private volatile Learned learned = Learned.NOTHING; // replaced whole, by the poller thread only

  /**
   * What the polls taught: the lag (nanos, {@link Long#MIN_VALUE} unknown), its lower bound at the last poll (0:
   * none, it had replayed all this JVM knew of) and the highest since a poll sent at {@code heldAt} (0 once one found
   * it caught up; the poll's own once one bounded the lag from above by less), when the last poll was answered, when
   * and where replay was last seen moving, and its pace.
   */
  private record Learned(long lag, long floor, long held, long heldAt, long polledAt, long lastTime,
      long lastPosition, double bytesPerNano, long bound) {
    static final Learned NOTHING =
        new Learned(Long.MIN_VALUE, 0, 0, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, 0, 0, Long.MIN_VALUE);

    Learned withLag(long newLag) {
      return new Learned(newLag, floor, held, heldAt, polledAt, lastTime, lastPosition, bytesPerNano, bound);
    }
  }

  ReplayForecast(PrimaryClock clock) {
    this.clock = clock;
  }

  /** A new poller run learns afresh: what the last one taught may be long out of date. */
  void forget() {
    learned = Learned.NOTHING;
  }

  /**
   * Whether a lower bound of the lag, {@code held}, still stands once the replica is seen at {@code now} to have
   * replayed {@code position}: unless it replayed a position the primary reached more recently than {@code held}
   * allows. Asked only when a higher bound is held (it reads every position reader's history).
   */
  private boolean notContradicted(long held, long now, long position) {
    long shortAt = clock.shortOf(position);
    return shortAt == Long.MIN_VALUE || held <= now - shortAt;
  }

  /**
   * A poll sent at {@code sentAt} and answered at {@code now}: the replica had replayed {@code position}, and
   * nothing after it when the poll was sent.
   */
  void observed(long sentAt, long now, long position) {
    Learned was = learned;
    long lag = was.lag;
    long passed = clock.timeUpTo(position);
    long bound = passed != Long.MIN_VALUE ? now - passed : Long.MIN_VALUE; // this poll's upper bound of the lag
    if (bound != Long.MIN_VALUE && (lag == Long.MIN_VALUE || bound < lag)) {
      lag = bound;
    }
    long beyond = clock.passedBy(position + 1); // the primary was past the replay position by then
    long floor = beyond != Long.MIN_VALUE && sentAt - beyond > 0 ? sentAt - beyond : 0;
    long held = floor;
    long heldAt = sentAt;
    if (floor != 0 && was.held > floor && sentAt - was.heldAt <= FLOOR_WINDOW_NANOS
        && notContradicted(was.held, now, position)) {
      // a higher bound, recent enough, that this poll does not contradict: its own is lower only because writes were
      // sparse then
      held = was.held;
      heldAt = was.heldAt;
    }
    long lastTime = was.lastTime;
    long lastPosition = was.lastPosition;
    double pace = was.bytesPerNano;
    if (lastTime == Long.MIN_VALUE || Long.compareUnsigned(position, lastPosition) > 0) { // else idle, or paused
      if (lastTime != Long.MIN_VALUE && now > lastTime && now - lastTime <= PACE_MAX_AGE_NANOS) {
        double seen = (position - lastPosition) / (double) (now - lastTime);
        pace = pace == 0 ? seen : SMOOTHING * seen + (1 - SMOOTHING) * pace;
      }
      lastTime = now;
      lastPosition = position;
    }
    learned = new Learned(lag, floor, held, heldAt, now, lastTime, lastPosition, pace, bound);
  }

  /**
   * A poll sent at {@code now} found {@code target} replayed; the poll before, for the same target, sent at
   * {@code missedAt} (or {@link Long#MIN_VALUE} if this was the first) had not. {@code probe}: polls are plentiful
   * enough to try earlier next time.
   */
  void served(long target, long now, long missedAt, boolean probe) {
    long primaryTime = clock.timeAt(target);
    Learned was = learned;
    if (primaryTime == Long.MIN_VALUE || now <= primaryTime) {
      return;
    }
    long upper = now - primaryTime;
    if (missedAt == Long.MIN_VALUE || missedAt <= primaryTime) {
      learned = was.withLag((was.lag == Long.MIN_VALUE ? upper : Math.min(was.lag, upper)) - (probe ? PROBE_NANOS : 0));
    } else {
      long lower = missedAt - primaryTime;
      long aimed = lower + (upper - lower) / 4;
      // The answer that found it was observed first, and bounds the lag from above as it is now: after a stall, the
      // target's own lag (the stall) is not the replica's, which has caught up.
      learned = was.withLag(was.bound == Long.MIN_VALUE ? aimed : Math.min(aimed, was.bound));
    }
  }

  /** When (nanoTime) the replica is expected to have replayed {@code target}, or {@link Long#MIN_VALUE}: no idea. */
  long expected(long target, long now) {
    Learned known = learned;
    long primaryTime = clock.timeAt(target);
    if (primaryTime != Long.MIN_VALUE && known.lag != Long.MIN_VALUE) {
      return primaryTime + Math.max(0, known.lag);
    }
    if (known.bytesPerNano > 0 && known.lastTime != Long.MIN_VALUE && now - known.lastTime <= PACE_MAX_AGE_NANOS) {
      return known.lastTime + (long) ((target - known.lastPosition) / known.bytesPerNano);
    }
    return Long.MIN_VALUE;
  }

  /**
   * For placement: the earliest (nanoTime) the replica can be expected to replay {@code target}, if it keeps the lag
   * it had at least at the polls of the last {@link #FLOOR_WINDOW_NANOS} (else at the last poll: a higher bound
   * stands no longer even if no poll follows, nor once a poll bounded the lag from above by less);
   * {@link Long#MIN_VALUE} if the last poll found it caught up with all this JVM knew of, nobody polled within
   * {@link #TRUSTED_NANOS}, or the primary's time of {@code target} is not known. Not the learned lag, nor the
   * pace: an estimate that errs late would send work to the primary that a replica could have served (never a stale
   * read, but fewer reads on replicas).
   */
  long notBefore(long target, long now) {
    Learned known = learned;
    if (known.polledAt == Long.MIN_VALUE || now - known.polledAt > TRUSTED_NANOS || known.floor == 0) {
      return Long.MIN_VALUE;
    }
    long floor = now - known.heldAt <= FLOOR_WINDOW_NANOS ? known.held : known.floor;
    long primaryTime = clock.timeAt(target);
    if (primaryTime == Long.MIN_VALUE) {
      primaryTime = clock.notPassedBefore(target); // another instance's token, newer than this JVM's reads
    }
    return primaryTime == Long.MIN_VALUE ? Long.MIN_VALUE : primaryTime + floor;
  }

  /** When (nanoTime) the last poll that was trusted saw replay move, or {@link Long#MIN_VALUE}. */
  long movedAt(long now) {
    Learned known = learned;
    return known.polledAt == Long.MIN_VALUE || now - known.polledAt > TRUSTED_NANOS ? Long.MIN_VALUE : known.lastTime;
  }
}

package dev.lsnwait.internal.tracker;

/** When the cluster's primary passed positions, as this JVM's reads of its position tell (for forecasts). */
public interface PrimaryClock {

  /** Nothing known: forecasts fall back on the replica's own pace. */
  PrimaryClock NONE = new PrimaryClock() {
    @Override
    public long timeAt(long lsn) {
      return Long.MIN_VALUE;
    }

    @Override
    public long timeUpTo(long lsn) {
      return Long.MIN_VALUE;
    }

    @Override
    public long latest() {
      return -1;
    }
  };

  /** About when ({@link System#nanoTime()}) the primary passed {@code lsn} (unsigned), or {@link Long#MIN_VALUE}. */
  long timeAt(long lsn);

  /**
   * A time by which the primary had passed {@code lsn}: {@link #timeAt}, but also for a position older than the
   * reads this JVM keeps (then later than the truth: what lower bounds of a replica's lag need), or
   * {@link Long#MIN_VALUE}.
   */
  default long passedBy(long lsn) {
    return timeAt(lsn);
  }

  /**
   * A time before which the primary had not passed {@code lsn}, for a position beyond every read this JVM keeps (a
   * token of another instance): when the latest of them started, since it read a lower position. Else, or with
   * nothing read, {@link Long#MIN_VALUE}.
   */
  default long notPassedBefore(long lsn) {
    return Long.MIN_VALUE;
  }

  /**
   * A time at which the primary had not yet reached the latest position this JVM read at or below {@code lsn}
   * (however long it stayed there after), or {@link Long#MIN_VALUE}: a replica that replayed {@code lsn} is at most
   * that long behind. An upper bound of the lag that a pause in writes does not lower, unlike {@link #timeUpTo}'s.
   */
  default long shortOf(long lsn) {
    return Long.MIN_VALUE;
  }

  /**
   * The latest time that {@link #timeAt} gives a position at or below {@code lsn}, or {@link Long#MIN_VALUE}: a
   * replica that replayed {@code lsn} replayed everything dated then or earlier.
   */
  long timeUpTo(long lsn);

  /**
   * The latest position (unsigned) this JVM read on the primary: every commit this JVM's tokens cover is at or below
   * it. -1 if none was read.
   */
  long latest();
}

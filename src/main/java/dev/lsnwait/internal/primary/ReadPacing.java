package dev.lsnwait.internal.primary;

import java.util.concurrent.TimeUnit;

/**
 * When a primary's position reader reads on its own, ahead of any reader: within {@code resolveInterval} of a commit
 * while tokens are in use, every 50 ms while nobody resolved one for ten seconds, never while nothing commits, except
 * every 50 ms while routing's forecasts want this primary's history ({@link #forecastsWanted}). A
 * commit only reads a flag here, except the first after each read, which sets it — and wakes the reader only if it
 * is not paced: a reader that read within the interval wakes at the interval's end on its own and looks then, so
 * under a steady stream of commits no commit signals it (one wake-up per read, no system call on a committing thread).
 */
final class ReadPacing {

  /**
   * Tokens count as in use for this long after one was last resolved: long enough that an application reading its
   * writes back now and then keeps exact tokens, even for the commits made just before a quiet spell ended.
   */
  private static final long IN_USE_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** The interval of eager reads while no token is in use: writes that nobody reads back cost the primary little. */
  private static final long IDLE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long NOTE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final long resolveIntervalNanos;
  private volatile boolean dirty; // a commit since the last read started
  private volatile long dirtySince; // when the first of those commits returned
  private volatile long lastUse = System.nanoTime() - IN_USE_NANOS; // when a token was last resolved
  private volatile long forecastsUntil = System.nanoTime(); // placement wants reads for forecasts until then
  private volatile boolean paced; // the reader wakes at its next due time on its own: commits need not signal it
  private volatile boolean awaitsNudge = true; // no reader, or it waits with nothing due: forecasts must signal it
  private long lastStart; // the reader thread's: when its last read started

  /** @param resolveIntervalNanos zero: no eager reads, only those a reader asks for */
  ReadPacing(long resolveIntervalNanos) {
    this.resolveIntervalNanos = Math.max(0, resolveIntervalNanos);
  }

  /**
   * A commit returned: true if it is the first since the last read started and the reader is not paced (then it
   * should be nudged). The flag is written before {@code paced} is read, and the reader clears {@code paced} before
   * it reads the flag ({@link #dueIn}): one of the two sees the other, so no commit is left without a read.
   */
  boolean committed() {
    if (dirty || resolveIntervalNanos == 0) {
      return false;
    }
    dirtySince = System.nanoTime();
    dirty = true;
    return !paced;
  }

  /**
   * A token was resolved: tokens are in use. True if they were not: a reader paced by the 50 ms interval (which
   * commits do not signal) should look again, to read the commits from now on within {@code resolveInterval}.
   */
  boolean used() {
    long now = System.nanoTime();
    boolean wasInUse = inUse(now);
    lastUse = now;
    return !wasInUse;
  }

  /**
   * Routing placed read-only work for a position no replica has replayed (often another instance's token, where this
   * JVM may commit nothing): its forecasts date positions by this reader's history, so it reads every 50 ms for the
   * next ten seconds, commits or not. True if the reader should be nudged: the window had closed, or the reader waits
   * for a nudge. Notes the time at most once a millisecond while the reader wakes on its own.
   */
  boolean forecastsWanted() {
    if (resolveIntervalNanos == 0) {
      return false;
    }
    long now = System.nanoTime();
    long until = forecastsUntil;
    boolean was = now - until < 0;
    if (was && !awaitsNudge && until - now >= IN_USE_NANOS - NOTE_NANOS) {
      return false; // renewed within the millisecond, and the reader wakes on its own
    }
    forecastsUntil = now + IN_USE_NANOS;
    // written before awaitsNudge is read, and the reader writes that before it reads the window (dueIn): a reader
    // whose clock found the window over just before this renewal is nudged
    return !was || awaitsNudge;
  }

  private boolean forecasting(long now) {
    return now - forecastsUntil < 0;
  }

  /** Whether a token was resolved within the last ten seconds. */
  boolean inUse() {
    return inUse(System.nanoTime());
  }

  private boolean inUse(long now) {
    return now - lastUse < IN_USE_NANOS;
  }

  /** Whether a commit happened since the last read started, or forecasts want reads. */
  boolean pending() {
    return dirty || forecasting(System.nanoTime());
  }

  /**
   * How long until an eager read is due (zero or less: now); {@code idle} if no commit waits for one. A paced reader
   * waits for the interval's end whether or not a commit came; if none came by then, it stops being paced, and the
   * next commit wakes it.
   */
  long dueIn(long now, long idle) {
    long interval = inUse(now) ? resolveIntervalNanos
        : Math.max(resolveIntervalNanos, IDLE_INTERVAL_NANOS);
    if (forecasting(now)) {
      interval = Math.min(interval, IDLE_INTERVAL_NANOS); // a resolveInterval over 50 ms too
    }
    long due = lastStart + interval - now;
    if (paced) {
      if (due > 0 || dirty) {
        return due;
      }
      stopPacing(); // a commit from now on nudges, the wait for forecasts below too
    }
    if (dirty) {
      return due;
    }
    awaitsNudge = true; // before the window is read: a renewal from now on nudges
    if (forecasting(now)) {
      awaitsNudge = false;
      return lastStart + IDLE_INTERVAL_NANOS - now;
    }
    return idle;
  }

  /** The reader no longer wakes on its own (it waits for a commit, or stops): commits and forecasts signal it. */
  void stopPacing() {
    paced = false;
    awaitsNudge = true;
  }

  /**
   * A read starts now (the reader thread, before the read's epoch moves on: a commit after this sets the flag
   * again). Returns when the earliest commit it covers returned, or now if none is pending.
   */
  long starting(long now) {
    long since = dirty ? dirtySince : now;
    dirty = false;
    lastStart = now;
    paced = resolveIntervalNanos > 0;
    awaitsNudge = false;
    return since;
  }
}

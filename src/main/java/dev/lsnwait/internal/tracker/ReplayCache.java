package dev.lsnwait.internal.tracker;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link ServerTracker} knows of its server's replay: in recovery, a lower bound of its position (every
 * observation is of this very server, so it only rises) and when each rise was learned; once the server left
 * recovery, its {@link Promotion}, for good (same server, same start). Kept apart from the waiters, which the
 * tracker releases with what this returns, so that "what does the server hold" reads in one place. No lock but
 * {@link KnownPositions}'s short ones: readers ask it on every read.
 */
final class ReplayCache {

  /** The replay position, unsigned: a lower bound, since every observation is of this very server. */
  private final AtomicLong replayed;
  private volatile Promotion promotion; // null while in recovery; once set, for good (same server, same start)
  private final AtomicLong lastSeen = new AtomicLong(System.nanoTime()); // when a poll last saw it in recovery
  /** When the cache learned its positions: what was known before a given moment (see {@link #knewBefore}). */
  private final KnownPositions known;

  ReplayCache(boolean inRecovery, long replayed) {
    this.promotion = inRecovery ? null : new Promotion(replayed, 0, System.nanoTime());
    this.replayed = new AtomicLong(replayed);
    this.known = new KnownPositions(replayed, System.nanoTime());
  }

  /** The lower bound of the replay position (unsigned); it stays where it was once the server left recovery. */
  long position() {
    return replayed.get();
  }

  boolean inRecovery() {
    return promotion == null;
  }

  /** What the server holds out of recovery, or null while in recovery. */
  Promotion promotion() {
    return promotion;
  }

  /** Whether it shows {@code lsn} (unsigned) replayed. */
  boolean covers(long lsn) {
    Promotion left = promotion;
    return left == null ? Long.compareUnsigned(replayed.get(), lsn) >= 0 : left.covers(lsn);
  }

  /** Whether it showed the server holding {@code lsn} before {@code nanoTime}: {@link ServerTracker#knewBefore}. */
  boolean knewBefore(long lsn, int writtenOn, long nanoTime) {
    Promotion left = promotion;
    if (left == null) {
      return known.before(lsn, nanoTime);
    }
    return left.learnedAt() - nanoTime < 0 && left.holds(lsn, writtenOn);
  }

  /** Out of recovery: where its replay ended (unsigned); in recovery, the position known. */
  long endOfReplay() {
    Promotion left = promotion;
    return left == null ? replayed.get() : left.endOfReplay();
  }

  /**
   * The server was seen out of recovery: replay is over. Returns where it ended (unsigned); its timeline, when known,
   * tells its own writes, and the moment it was first seen out of recovery stays.
   */
  long leftRecovery(ReplayState state) {
    Promotion left = promotion;
    // pg_last_wal_replay_lsn() stays where replay ended; the cache is a lower bound of it
    long before = left != null ? left.endOfReplay() : replayed.get();
    long ended = Long.compareUnsigned(before, state.replayed().asLong()) >= 0 ? before : state.replayed().asLong();
    int timeline = state.timeline() != 0 ? state.timeline() : left != null ? left.timeline() : 0;
    promotion = new Promotion(ended, timeline, left != null ? left.learnedAt() : System.nanoTime());
    return ended;
  }

  /** The server was seen in recovery at {@code seen} (unsigned): raises the lower bound; returns it (unsigned). */
  long raise(long seen) {
    long at = System.nanoTime();
    long was = replayed.getAndAccumulate(seen, (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
    long now = Long.compareUnsigned(was, seen) >= 0 ? was : seen;
    if (now != was) {
      known.learned(now, at); // only a rise: the same position again was known earlier already
    }
    lastSeen.accumulateAndGet(at, (last, next) -> next - last > 0 ? next : last); // polls may overlap
    return now;
  }

  /** When the server was last seen (nanoTime): the position is a lower bound as of then. */
  long lastSeen() {
    return lastSeen.get();
  }
}

package dev.lsnwait.internal.context;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnToken;

/**
 * The positions a unit of work already ran on the primary for after waiting in vain for a replica, per cluster, and
 * when it last did: a routing connection does not wait again for them unless a replica has moved since. One moment
 * for all clusters (the latest): with several, a cluster's own fall back may look later than it was, which only
 * spares a wait. Immutable.
 */
final class FallBacks {

  static final FallBacks NONE = new FallBacks(LsnToken.EMPTY, Long.MIN_VALUE);

  private final LsnToken positions;
  private final long at; // nanoTime

  private FallBacks(LsnToken positions, long at) {
    this.positions = positions;
    this.at = at;
  }

  boolean isEmpty() {
    return positions.isEmpty();
  }

  /** These, and a fall back for {@code lsn} of {@code cluster} at {@code nanoTime}. */
  FallBacks with(long cluster, Lsn lsn, long nanoTime) {
    return new FallBacks(positions.with(cluster, lsn), later(at, nanoTime));
  }

  /** When the unit of work fell back for {@code lsn} (or a later position) of {@code cluster}, or Long.MIN_VALUE. */
  long at(long cluster, Lsn lsn) {
    return positions.lsnFor(cluster).map(fell -> fell.isAtLeast(lsn)).orElse(false) ? at : Long.MIN_VALUE;
  }

  /** Both units of work's fall backs (a context handed on and merged back). */
  FallBacks merge(FallBacks other) {
    if (other.isEmpty() || other == this) {
      return this;
    }
    return isEmpty() ? other : new FallBacks(positions.merge(other.positions), later(at, other.at));
  }

  private static long later(long one, long other) {
    if (one == Long.MIN_VALUE || other == Long.MIN_VALUE) {
      return one == Long.MIN_VALUE ? other : one;
    }
    return other - one > 0 ? other : one;
  }
}

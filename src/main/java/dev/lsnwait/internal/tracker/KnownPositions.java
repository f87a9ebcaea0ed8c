package dev.lsnwait.internal.tracker;

/**
 * When a tracker's cache learned the replay positions it holds: the latest raises, each with the moment it was made
 * (nanoTime), and below them the highest one older than all of them. Answers "was this position known replayed
 * before that moment?" exactly for recent moments and conservatively (no) for moments older than what it keeps.
 */
final class KnownPositions {

  private static final int KEPT = 64;

  private final long[] positions = new long[KEPT]; // unsigned
  private final long[] learnedAt = new long[KEPT];
  private int next;
  private int size;
  private long floor; // the highest position no longer kept (unsigned), known since floorAt
  private long floorAt;

  KnownPositions(long initial, long at) {
    floor = initial;
    floorAt = at;
  }

  /** The cache learned {@code position} (unsigned) just now ({@code at}). */
  synchronized void learned(long position, long at) {
    if (size == KEPT) {
      if (Long.compareUnsigned(positions[next], floor) > 0) {
        floor = positions[next];
      }
      floorAt = learnedAt[next];
    } else {
      size++;
    }
    positions[next] = position;
    learnedAt[next] = at;
    next = (next + 1) % KEPT;
  }

  /** Whether {@code position} (unsigned) or a later one was learned before {@code moment} (nanoTime). */
  synchronized boolean before(long position, long moment) {
    if (floorAt - moment < 0 && Long.compareUnsigned(floor, position) >= 0) {
      return true;
    }
    for (int i = 0; i < size; i++) {
      if (learnedAt[i] - moment < 0 && Long.compareUnsigned(positions[i], position) >= 0) {
        return true;
      }
    }
    return false;
  }
}

package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** One reader waiting for a replay position, and when it gives up; ordered by position (unsigned), then by arrival. */
final class Waiter {

  /** {@link #giveUpAt} of a reader that waits until the position is replayed, or until it cancels. */
  static final long NO_DEADLINE = Long.MIN_VALUE;

  static final Comparator<Waiter> ORDER =
      (a, b) -> {
        int byLsn = Long.compareUnsigned(a.lsn, b.lsn);
        return byLsn != 0 ? byLsn : Long.compare(a.sequence, b.sequence);
      };

  final long lsn;
  final long sequence;
  /** When (nanoTime) the reader stops waiting, or {@link #NO_DEADLINE}. */
  final long giveUpAt;
  final CompletableFuture<Lsn> replayed = new CompletableFuture<>();
  private final AtomicBoolean removed = new AtomicBoolean();

  Waiter(long lsn, long sequence, long giveUpAt) {
    this.lsn = lsn;
    this.sequence = sequence;
    this.giveUpAt = giveUpAt;
  }

  /**
   * Claims this waiter for removal: exactly one caller (the poll that wakes it, or its own cancellation or timeout)
   * gets true, and only that one takes it out of the queue and its count.
   */
  boolean claim() {
    return removed.compareAndSet(false, true);
  }
}

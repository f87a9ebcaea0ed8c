package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** One reader waiting for a replay position; ordered by position (unsigned), then by arrival. */
final class Waiter {

  static final Comparator<Waiter> ORDER =
      (a, b) -> {
        int byLsn = Long.compareUnsigned(a.lsn, b.lsn);
        return byLsn != 0 ? byLsn : Long.compare(a.sequence, b.sequence);
      };

  final long lsn;
  final long sequence;
  final CompletableFuture<Lsn> replayed = new CompletableFuture<>();
  private final AtomicBoolean removed = new AtomicBoolean();

  Waiter(long lsn, long sequence) {
    this.lsn = lsn;
    this.sequence = sequence;
  }

  /**
   * Claims this waiter for removal: exactly one caller (the poll that wakes it, or its own cancellation or timeout)
   * gets true, and only that one takes it out of the queue and its count.
   */
  boolean claim() {
    return removed.compareAndSet(false, true);
  }
}

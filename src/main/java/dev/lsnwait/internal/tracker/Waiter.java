package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import java.util.Comparator;
import java.util.Set;
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

  /** Removes this waiter from the set once; true for the caller that did (later calls skip the search). */
  boolean removeFrom(Set<Waiter> waiters) {
    return removed.compareAndSet(false, true) && waiters.remove(this);
  }

  /** Claims a waiter already taken out of the set; false if someone (a cancellation) claimed it first. */
  boolean claim() {
    return removed.compareAndSet(false, true);
  }

  boolean isClaimed() {
    return removed.get();
  }
}

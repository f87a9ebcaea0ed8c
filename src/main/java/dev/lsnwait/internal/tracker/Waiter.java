package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

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

  Waiter(long lsn, long sequence) {
    this.lsn = lsn;
    this.sequence = sequence;
  }
}

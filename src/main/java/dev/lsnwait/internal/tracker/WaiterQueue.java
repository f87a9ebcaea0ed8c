package dev.lsnwait.internal.tracker;

import dev.lsnwait.Lsn;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The readers waiting on one server, ordered by the position they need, so one observed replay position wakes every
 * waiter it satisfies from the head. A waiter that ends by itself (timed out, cancelled, interrupted) removes itself.
 */
final class WaiterQueue {

  private final ConcurrentSkipListSet<Waiter> waiters = new ConcurrentSkipListSet<>(Waiter.ORDER);
  private final AtomicInteger count = new AtomicInteger(); // the set's size, without walking it
  private final AtomicLong arrivals = new AtomicLong();

  /**
   * Runs a waiter's way through a queue once: the JDK loads and links what it uses (CompletableFuture's completion
   * stages) on first use, and thousands of virtual threads arriving at once queue for that, pinned to their carriers.
   */
  static void preload() {
    WaiterQueue queue = new WaiterQueue();
    queue.add(1, Waiter.NO_DEADLINE);
    queue.completeUpTo(1, Lsn.of(1));
  }

  /**
   * Adds a waiter for {@code lsn} that waits until {@code giveUpAt} ({@link Waiter#NO_DEADLINE}: until it cancels);
   * its future completes when a replay at or after it is observed.
   */
  CompletableFuture<Lsn> add(long lsn, long giveUpAt) {
    Waiter waiter = new Waiter(lsn, arrivals.incrementAndGet(), giveUpAt);
    waiters.add(waiter);
    count.incrementAndGet();
    waiter.replayed.whenComplete((position, failure) -> remove(waiter));
    return waiter.replayed;
  }

  private void remove(Waiter waiter) {
    if (waiter.claim()) {
      waiters.remove(waiter);
      count.decrementAndGet();
    }
  }

  /**
   * The waiter for the earliest position, or null if nobody waits. Not the set's {@code first()}: the tracker asks on
   * every turn, mostly with nobody waiting, and an exception's stack trace each time was a sixth of its thread's CPU.
   */
  Waiter first() {
    Iterator<Waiter> head = waiters.iterator(); // weakly consistent: next() returns what hasNext() saw
    return head.hasNext() ? head.next() : null;
  }

  boolean isEmpty() {
    return waiters.isEmpty();
  }

  int size() {
    return count.get();
  }

  /**
   * Completes every waiter at or below {@code position} (unsigned; -1 for all) with {@code now}: first claims them all
   * in order from the head, then wakes them all, then takes them out, so the wake-ups follow each other closely.
   */
  void completeUpTo(long position, Lsn now) {
    List<Waiter> due = new ArrayList<>();
    for (Waiter waiter : waiters) {
      if (Long.compareUnsigned(waiter.lsn, position) > 0) {
        break;
      }
      if (waiter.claim()) {
        due.add(waiter);
      }
    }
    if (due.isEmpty()) {
      return;
    }
    count.addAndGet(-due.size()); // before they wake, so the count is exact once they do
    for (Waiter waiter : due) {
      waiter.replayed.complete(now);
    }
    for (Waiter waiter : due) {
      waiters.remove(waiter); // one by one: removeAll would first count the set
    }
  }

  /** Ends every waiter with {@code cause}. */
  void failAll(Throwable cause) {
    for (Waiter waiter : waiters) {
      if (waiter.claim()) {
        waiters.remove(waiter);
        count.decrementAndGet();
        waiter.replayed.completeExceptionally(cause);
      }
    }
  }
}

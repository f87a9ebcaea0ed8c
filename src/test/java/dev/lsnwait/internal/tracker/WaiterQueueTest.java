package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The queue's head, as the tracker asks for it on every turn: the lowest position waited for, or -1. */
class WaiterQueueTest {

  @Test
  void theHeadIsTheLowestPositionWaitedForAndNoneOnceAllAreServed() {
    WaiterQueue queue = new WaiterQueue();
    assertEquals(-1L, queue.first());
    CompletableFuture<Lsn> high = queue.add(300);
    CompletableFuture<Lsn> low = queue.add(100);
    queue.add(200);
    assertEquals(100L, queue.first());

    queue.completeUpTo(150, Lsn.of(150));
    assertTrue(low.isDone());
    assertEquals(200L, queue.first());

    high.cancel(false); // a waiter that gives up leaves the queue by itself
    assertEquals(200L, queue.first());
    queue.completeUpTo(-1, Lsn.of(400));
    assertEquals(-1L, queue.first());
    assertEquals(0, queue.size());
  }
}

package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The queue's head, as the tracker asks for it on every turn: the waiter for the lowest position, or none. */
class WaiterQueueTest {

  @Test
  void theHeadIsTheLowestPositionWaitedForAndNoneOnceAllAreServed() {
    WaiterQueue queue = new WaiterQueue();
    assertNull(queue.first());
    CompletableFuture<Lsn> high = queue.add(300, 30);
    CompletableFuture<Lsn> low = queue.add(100, Waiter.NO_DEADLINE);
    queue.add(200, 20);
    assertEquals(100L, queue.first().lsn);
    assertEquals(Waiter.NO_DEADLINE, queue.first().giveUpAt);

    queue.completeUpTo(150, Lsn.of(150));
    assertTrue(low.isDone());
    assertEquals(200L, queue.first().lsn);
    assertEquals(20, queue.first().giveUpAt, "when its reader gives up, for the poll before then");

    high.cancel(false); // a waiter that gives up leaves the queue by itself
    assertEquals(200L, queue.first().lsn);
    queue.completeUpTo(-1, Lsn.of(400));
    assertNull(queue.first());
    assertEquals(0, queue.size());
  }
}

package dev.lsnwait.internal.tracker;

import dev.lsnwait.ReplicaTracker;
import java.util.concurrent.atomic.LongAdder;

/** What one tracker and the reads of its server counted, for {@link ReplicaTracker#stats()}. */
public final class TrackerCounts {

  private final LongAdder polls = new LongAdder();
  private final LongAdder waits = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder proceeded = new LongAdder();
  private final LongAdder ownConnectionWaits = new LongAdder();

  void polled() {
    polls.increment();
  }

  void waited() {
    waits.increment();
  }

  /** A wait that ended at its timeout (on the tracker, or on the reader's own connection). */
  public void timedOut() {
    timeouts.increment();
  }

  /** A read that ran after its wait timed out, or without a server able to hold it ({@code onTimeout=proceed}). */
  public void proceeded() {
    proceeded.increment();
  }

  /** A wait that a reader made on its own connection. */
  public void ownConnectionWait() {
    ownConnectionWaits.increment();
  }

  ReplicaTracker.Stats stats(int waiters) {
    return new ReplicaTracker.Stats(polls.sum(), waits.sum(), timeouts.sum(), proceeded.sum(), waiters,
        ownConnectionWaits.sum());
  }
}

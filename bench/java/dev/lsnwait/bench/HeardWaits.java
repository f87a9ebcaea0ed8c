package dev.lsnwait.bench;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.LsnWaitListener;

/**
 * The waits of this build's reads, as its listener hears them on the reading thread: how long the current read
 * waited, and when its wait ended (a read that finds its position known waits 0 and is not heard).
 */
final class HeardWaits implements AutoCloseable {

  /** Per thread: nanoseconds waited by the current read, and when (nanoTime) its last wait ended, 0 if none. */
  private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[2]);
  private static final LsnWaitListener LISTENER = new LsnWaitListener() {
    @Override
    public WaitEnd waitStarted(String replica, Lsn target) {
      long start = System.nanoTime();
      return outcome -> {
        long end = System.nanoTime();
        long[] heard = CURRENT.get();
        heard[0] += end - start;
        heard[1] = end;
      };
    }
  };

  /** Starts listening (to this build's driver) until closed. */
  HeardWaits() {
    LsnWaitDriver.addListener(LISTENER);
  }

  /** Before a read: forget the last one's. */
  static void reset() {
    long[] heard = CURRENT.get();
    heard[0] = 0;
    heard[1] = 0;
  }

  /** How long this thread's current read waited. */
  static long waited() {
    return CURRENT.get()[0];
  }

  /** When this thread's current read stopped waiting (nanoTime), or 0 if it did not wait. */
  static long endedAt() {
    return CURRENT.get()[1];
  }

  @Override
  public void close() {
    LsnWaitDriver.removeListener(LISTENER);
  }
}

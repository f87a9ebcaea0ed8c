package dev.lsnwait.internal.registry;

import java.util.concurrent.TimeUnit;

/**
 * Whether a replica address is worth trying, shared by every routing connection in the JVM: after a failure (cannot
 * connect, promoted, another cluster, a broken connection) it is skipped for a back-off that doubles with each
 * failure in a row, from 1 s up to 30 s; a success clears it.
 */
public final class AddressHealth {

  private static final long FIRST_BACK_OFF = TimeUnit.SECONDS.toNanos(1);
  private static final long LONGEST_BACK_OFF = TimeUnit.SECONDS.toNanos(30);

  private final String address;
  private int failuresInARow; // guarded by this
  private long skipUntil; // guarded by this
  private String lastFailure; // guarded by this

  AddressHealth(String address) {
    this.address = address;
  }

  /** Whether to try the address now: never failed, or its back-off passed. */
  public synchronized boolean usable(long now) {
    return failuresInARow == 0 || now - skipUntil >= 0;
  }

  public synchronized void failed(String why, long now) {
    failuresInARow = Math.min(failuresInARow + 1, 30);
    long backOff = Math.min(LONGEST_BACK_OFF, FIRST_BACK_OFF << Math.min(failuresInARow - 1, 5));
    skipUntil = now + backOff;
    lastFailure = why;
  }

  public synchronized void succeeded() {
    failuresInARow = 0;
    lastFailure = null;
  }

  @Override
  public synchronized String toString() {
    return address + (failuresInARow == 0 ? " (healthy)" : " (skipped after " + failuresInARow + " failures: "
        + lastFailure + ")");
  }
}

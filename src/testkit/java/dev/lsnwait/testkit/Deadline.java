package dev.lsnwait.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for a condition with a deadline, never for a fixed time. */
public final class Deadline {

  private final long end;

  private Deadline(long end) {
    this.end = end;
  }

  public static Deadline after(Duration timeout) {
    return new Deadline(System.nanoTime() + timeout.toNanos());
  }

  public boolean passed() {
    return System.nanoTime() - end >= 0;
  }

  /** Throws if the deadline passed: {@code what} names the awaited condition. */
  public void checkOrFail(String what) {
    if (passed()) {
      throw new AssertionError("timed out waiting for " + what);
    }
  }

  /** Waits until {@code condition} holds, failing at the deadline. */
  public static void await(Duration timeout, String what, BooleanSupplier condition) {
    Deadline deadline = after(timeout);
    while (!condition.getAsBoolean()) {
      deadline.checkOrFail(what);
      pause();
    }
  }

  /** A short pause between two checks of a condition. */
  static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}

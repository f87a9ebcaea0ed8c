package dev.lsnwait.internal.tracker;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** Primary clocks for tests of forecasts and trackers. */
final class TestClocks {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private TestClocks() {}

  /** The primary passed position p at {@code originNanos} + p ms; no commit of this JVM is known. */
  static PrimaryClock linear(long originNanos) {
    return new PrimaryClock() {
      @Override
      public long timeAt(long lsn) {
        return originNanos + lsn * MS;
      }

      @Override
      public long timeUpTo(long lsn) {
        return originNanos + lsn * MS;
      }

      @Override
      public long shortOf(long lsn) { // a read at every position: the one before was below it
        return originNanos + (lsn - 1) * MS;
      }

      @Override
      public long latest() {
        return -1;
      }
    };
  }

  /** When the primary passed positions is not known, only this JVM's latest commit: {@code latest}. */
  static PrimaryClock latestOnly(LongSupplier latest) {
    return new PrimaryClock() {
      @Override
      public long timeAt(long lsn) {
        return Long.MIN_VALUE;
      }

      @Override
      public long timeUpTo(long lsn) {
        return Long.MIN_VALUE;
      }

      @Override
      public long latest() {
        return latest.getAsLong();
      }
    };
  }
}

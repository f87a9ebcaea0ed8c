package dev.lsnwait.internal.primary;

import dev.lsnwait.Lsn;
import dev.lsnwait.PositionUnavailableException;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/** One read of a primary's position, awaited by those it covers: its epoch is given when it starts. */
final class PositionRead {

  private static final long RETRY_FIRST_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long RETRY_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  volatile long epoch = Long.MAX_VALUE; // before it starts, after every mark taken so far
  long since; // when the earliest commit it covers returned (or when it was asked for): what forecasts count from
  long startedAt; // when it started: it covers every commit that returned before
  final CompletableFuture<Lsn> result = new CompletableFuture<>();

  /** The position read, by the deadline (nanoTime); a failure says the statement that needed it did not run. */
  Lsn await(long deadline, String primary) throws SQLException {
    try {
      return result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PositionUnavailableException(
          "lsnwait: interrupted while reading the WAL position of " + primary, e);
    } catch (TimeoutException e) {
      throw new PositionUnavailableException(
          "lsnwait: could not read the WAL position of " + primary + " in time; the statement did not run", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new PositionUnavailableException("lsnwait: could not read the WAL position of " + primary + ": "
          + cause.getMessage() + "; the statement did not run", cause);
    }
  }

  /** One attempt to have a position read. */
  @FunctionalInterface
  interface Attempt {
    Lsn run() throws SQLException;
  }

  /**
   * {@code attempt}, tried again while the read itself fails (the primary restarting, a network blip: the commit is
   * still covered by the next read), 10 ms apart doubling to 200 ms, until {@code deadline} (nanoTime). Timeouts,
   * interrupts and a closed reader end it.
   */
  static Lsn retrying(Attempt attempt, long deadline) throws SQLException {
    long pause = RETRY_FIRST_NANOS;
    PositionUnavailableException failed = null; // the last read that failed: why a retry then ran out of time
    while (true) {
      try {
        return attempt.run();
      } catch (PositionUnavailableException e) {
        if (failed != null && e.getCause() instanceof TimeoutException) {
          throw new PositionUnavailableException(e.getMessage() + " (the read before failed: "
              + failed.getCause().getMessage() + ")", failed.getCause());
        }
        long left = deadline - System.nanoTime();
        if (!failedToRead(e) || left <= 0) {
          throw e;
        }
        failed = e;
        LockSupport.parkNanos(Math.min(pause, left));
        pause = Math.min(RETRY_MAX_NANOS, pause * 2);
      }
    }
  }

  /** Whether {@code e} says the read itself failed (not a timeout, an interrupt or a closed reader). */
  private static boolean failedToRead(PositionUnavailableException e) {
    return e.getCause() != null
        && !(e.getCause() instanceof TimeoutException)
        && !(e.getCause() instanceof InterruptedException);
  }
}

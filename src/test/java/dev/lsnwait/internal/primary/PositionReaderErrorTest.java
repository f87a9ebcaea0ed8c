package dev.lsnwait.internal.primary;

import static dev.lsnwait.internal.primary.PositionRows.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.testkit.Deadline;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A position reader thread that an {@link Error} ends (a stack overflow in a driver, an out-of-memory while reading
 * the answer) fails the read it ran at once and stops being the reader: the read is tried again on a new thread,
 * instead of every later read waiting, until its deadline, for a reader that is gone.
 */
class PositionReaderErrorTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L, 0);
  private volatile Callable<ResultSet> answer = () -> row("0/1000");
  private final FakeServer server = new FakeServer(IDENTITY, () -> answer.call());
  private final PrimaryPosition position = new PrimaryPosition("primary:5432", 1, 8192, 16 << 20,
      Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(60), () -> server.side(PrimaryPosition.QUERY, true));

  /**
   * A first read, before any Error: the first of a JVM makes the fake server's mocked connection, which alone took
   * more than the 300 ms deadline of a test below when it ran first.
   */
  @BeforeEach
  void readOnce() throws SQLException {
    server.inRecovery(false);
    assertEquals(Lsn.of(0x1000 - 7), position.covering(position.mark(), position.defaultDeadline()));
  }

  @AfterEach
  void tearDown() {
    position.close();
  }

  @Test
  void aReaderEndedByAnErrorFailsItsReadAtOnceAndANewReaderReadsAgain() throws Exception {
    AtomicInteger errors = firstReadFails(new StackOverflowError("in the driver"), "0/3000");
    readsAgainSoon(Lsn.of(0x3000 - 7));
    assertEquals(2, errors.get(), "the read that failed, and one more");

    answer = () -> row("0/5000");
    assertEquals(Lsn.of(0x5000 - 7), position.covering(position.mark(), position.defaultDeadline()), "reads on");
  }

  @Test
  void anErrorThatRepeatsFailsTheReadByItsDeadlineAndSaysWhy() throws Exception {
    answer = () -> {
      throw new StackOverflowError("in the driver");
    };
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
    PositionUnavailableException failed =
        assertThrows(PositionUnavailableException.class, () -> position.covering(position.mark(), deadline));
    assertTrue(failed.getMessage().contains("StackOverflowError: in the driver"), failed.getMessage());
  }

  /** The next read ends its reader thread with {@code error}, later ones answer {@code after}; counts the reads. */
  private AtomicInteger firstReadFails(Error error, String after) {
    AtomicInteger reads = new AtomicInteger();
    answer = () -> {
      if (reads.getAndIncrement() == 0) {
        throw error;
      }
      return row(after);
    };
    return reads;
  }

  /** A commit from now on is covered by {@code expected}, read long before the 5 s deadline. */
  private void readsAgainSoon(Lsn expected) throws SQLException {
    long started = System.nanoTime();
    assertEquals(expected, position.covering(position.mark(), position.defaultDeadline()),
        "read again, by a new reader thread");
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(millis < 2_500, "not at the 5 s deadline, waiting for the reader that is gone: " + millis + " ms");
  }

  /** The next read blocks until {@code release}, then ends its reader thread with an Error; later reads answer. */
  private CountDownLatch blockThenError(CountDownLatch release, String after) {
    CountDownLatch entered = new CountDownLatch(1);
    AtomicInteger reads = new AtomicInteger();
    answer = () -> {
      if (reads.getAndIncrement() == 0) {
        entered.countDown();
        release.await();
        throw new StackOverflowError("in the driver");
      }
      return row(after);
    };
    return entered;
  }

  /** Runs {@code call} on a thread of its own, and returns once that thread waits (for a read). */
  private static CompletableFuture<Lsn> waiting(Callable<Lsn> call) {
    CompletableFuture<Lsn> result = new CompletableFuture<>();
    AtomicReference<Thread> thread = new AtomicReference<>();
    thread.set(new Thread(() -> {
      try {
        result.complete(call.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }));
    thread.get().start();
    Deadline.await(java.time.Duration.ofSeconds(5), "the caller waiting",
        () -> result.isDone() || thread.get().getState() == Thread.State.TIMED_WAITING);
    return result;
  }

  @Test
  void aReaderEndedByAnErrorHasThoseWaitingOnItsReadForAStartTryAgain() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = blockThenError(release, "0/3000");
    long since = System.nanoTime();
    CompletableFuture<Lsn> first = waiting(() -> position.now(position.defaultDeadline()));
    assertTrue(entered.await(5, TimeUnit.SECONDS));
    CompletableFuture<Lsn> bounded = waiting(() -> position.startedSince(since, position.defaultDeadline()));
    release.countDown();
    assertEquals(Lsn.of(0x3000 - 7), first.get(5, TimeUnit.SECONDS), "read again, by a new reader thread");
    assertEquals(Lsn.of(0x3000 - 7), bounded.get(5, TimeUnit.SECONDS),
        "a read that started since, on the new reader: not the failure of the read the Error ended");
  }

  @Test
  void aReaderEndedByAnErrorAfterCloseFailsTheReadAskedForNextAtOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = blockThenError(release, "0/3000");
    CompletableFuture<Lsn> inFlight = waiting(() -> position.now(position.defaultDeadline()));
    assertTrue(entered.await(5, TimeUnit.SECONDS));
    long mark = position.mark(); // after the read in flight started: the next read covers it
    CompletableFuture<Lsn> next = waiting(() -> position.covering(mark, position.defaultDeadline()));
    position.close();
    long started = System.nanoTime();
    release.countDown();
    ExecutionException failed = assertThrows(ExecutionException.class, () -> next.get(10, TimeUnit.SECONDS));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(millis < 2_500, "told at once that the reader closed, not at the 5 s deadline: " + millis + " ms, "
        + failed.getCause());
    assertThrows(ExecutionException.class, () -> inFlight.get(5, TimeUnit.SECONDS));
  }

  /**
   * The Error that ends a reader may strike again while it closes its connection (out of memory): it still stops
   * being the reader, else every later read waits for it until its deadline, for good.
   */
  @Test
  void aReaderWhoseConnectionFailsToCloseAfterTheErrorStillStopsBeingTheReader() throws Exception {
    AtomicInteger closeErrors = new AtomicInteger();
    server.whenClosing(() -> {
      if (closeErrors.getAndIncrement() == 0) {
        throw new OutOfMemoryError("while closing");
      }
    });
    firstReadFails(new OutOfMemoryError("while reading"), "0/3000");
    readsAgainSoon(Lsn.of(0x3000 - 7));
    assertEquals(1, closeErrors.get(), "the close that failed");
  }
}

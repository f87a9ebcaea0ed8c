package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.ConnectionFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PollingReplicaTrackerTest {

  private final AtomicLong replay = new AtomicLong(100);
  private final AtomicBoolean recovering = new AtomicBoolean(true);
  private final AtomicInteger connectFailures = new AtomicInteger();
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger closed = new AtomicInteger();
  private PollingReplicaTracker tracker;
  private ExecutorService threads;

  @BeforeEach
  void setUp() {
    threads = Executors.newCachedThreadPool();
    tracker = tracker(Duration.ofSeconds(60));
  }

  @AfterEach
  void tearDown() {
    tracker.close();
    threads.shutdownNow();
  }

  private PollingReplicaTracker tracker(Duration idle) {
    ConnectionFactory factory =
        () -> {
          if (connectFailures.get() > 0) {
            connectFailures.decrementAndGet();
            throw new SQLException("connection refused", "08001");
          }
          opened.incrementAndGet();
          return replicaConnection();
        };
    return new PollingReplicaTracker("replica:5433", 1, Lsn.of(100), true, factory, Duration.ofMillis(1), idle);
  }

  private Connection replicaConnection() throws SQLException {
    Connection connection = mock(Connection.class);
    PreparedStatement poll = mock(PreparedStatement.class);
    when(connection.prepareStatement(anyString())).thenReturn(poll);
    when(poll.executeQuery()).thenAnswer(call -> row());
    org.mockito.Mockito.doAnswer(call -> closed.incrementAndGet()).when(connection).close();
    return connection;
  }

  private ResultSet row() throws SQLException {
    ResultSet row = mock(ResultSet.class);
    when(row.next()).thenReturn(true);
    when(row.getBoolean(1)).thenReturn(recovering.get());
    when(row.getString(2)).thenReturn(recovering.get() ? Lsn.of(replay.get()).toString() : null);
    return row;
  }

  private static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.onSpinWait();
    }
  }

  @Test
  void cachedPositionAnswersWithoutPolling() throws Exception {
    assertTrue(tracker.isReplicated(Lsn.of(100)));
    assertTrue(tracker.await(Lsn.of(50), Duration.ZERO));
    assertFalse(tracker.isReplicated(Lsn.of(101)));
    assertEquals(0, tracker.stats().polls());
    assertEquals(0, opened.get(), "no connection while nobody waits");
  }

  @Test
  void waiterIsWokenWhenReplayPassesItsPosition() throws Exception {
    Future<Boolean> waiting = threads.submit(() -> tracker.await(Lsn.of(500), Duration.ofSeconds(10)));
    eventually("a waiter", () -> tracker.stats().waiters() == 1);
    eventually("a few polls", () -> tracker.stats().polls() >= 3);
    assertFalse(waiting.isDone());
    replay.set(500);
    assertTrue(waiting.get(10, TimeUnit.SECONDS));
    assertEquals(Lsn.of(500), tracker.lastReplay());
    assertEquals(0, tracker.stats().waiters());
  }

  @Test
  void waitersAreWokenInPositionOrderByOnePoll() throws Exception {
    List<CompletableFuture<Lsn>> futures = new ArrayList<>();
    for (int i = 1; i <= 1000; i++) {
      futures.add(tracker.whenReplayed(Lsn.of(100 + i)));
    }
    replay.set(600);
    eventually("first 500 woken", () -> futures.get(499).isDone());
    assertFalse(futures.get(500).isDone());
    assertEquals(500, tracker.stats().waiters());
    replay.set(1100);
    CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
    assertEquals(0, tracker.stats().waiters());
  }

  @Test
  void timeoutRemovesTheWaiter() throws Exception {
    assertFalse(tracker.await(Lsn.of(1000), Duration.ofMillis(50)));
    assertEquals(1, tracker.stats().timeouts());
    assertEquals(0, tracker.stats().waiters());
  }

  @Test
  void interruptedWaiterIsRemovedAndKeepsTheInterrupt() throws Exception {
    Future<?> waiting =
        threads.submit(
            () -> {
              assertThrows(InterruptedException.class, () -> tracker.await(Lsn.of(1000), Duration.ofSeconds(30)));
              return null;
            });
    eventually("a waiter", () -> tracker.stats().waiters() == 1);
    waiting.cancel(true);
    eventually("the waiter removed", () -> tracker.stats().waiters() == 0);
  }

  @Test
  void cancelledNotificationIsRemoved() {
    CompletableFuture<Lsn> notification = tracker.whenReplayed(Lsn.of(1000));
    assertEquals(1, tracker.stats().waiters());
    notification.cancel(false);
    assertEquals(0, tracker.stats().waiters());
  }

  @Test
  void serverOutOfRecoveryReleasesEveryone() throws Exception {
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(Long.MAX_VALUE));
    recovering.set(false);
    waiting.get(10, TimeUnit.SECONDS);
    assertFalse(tracker.isInRecovery());
    assertTrue(tracker.isReplicated(Lsn.of(-1L)));
  }

  @Test
  void reconnectsAfterFailuresWithoutLosingWaiters() throws Exception {
    connectFailures.set(3);
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(200));
    replay.set(200);
    assertEquals(Lsn.of(200), waiting.get(10, TimeUnit.SECONDS));
    assertEquals(0, connectFailures.get());
  }

  @Test
  void noWakeUpIsLostUnderConcurrency() throws Exception {
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      long target = 101 + i;
      results.add(threads.submit(() -> tracker.await(Lsn.of(target), Duration.ofSeconds(20))));
      replay.incrementAndGet();
    }
    replay.set(1000);
    for (Future<Boolean> result : results) {
      assertTrue(result.get(20, TimeUnit.SECONDS));
    }
    assertEquals(0, tracker.stats().waiters());
  }

  @Test
  void idlePollerStopsAndClosesItsConnection() throws Exception {
    tracker.close();
    tracker = tracker(Duration.ofMillis(50));
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(200));
    replay.set(200);
    waiting.get(10, TimeUnit.SECONDS);
    eventually("the idle poller to close its connection", () -> closed.get() == opened.get());
    eventually("the poller thread to end", () -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("lsnwait-tracker[replica:5433]")));
    // And it starts again when needed.
    CompletableFuture<Lsn> again = tracker.whenReplayed(Lsn.of(300));
    replay.set(300);
    again.get(10, TimeUnit.SECONDS);
  }

  @Test
  void closeReleasesWaitersAndRefusesNewOnes() throws Exception {
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(1000));
    tracker.close();
    assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
    assertFalse(tracker.await(Lsn.of(1000), Duration.ofSeconds(5)));
    assertEquals(0, tracker.stats().waiters());
  }
}

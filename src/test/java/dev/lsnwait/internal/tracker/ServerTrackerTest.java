package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerTrackerTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L, 0);
  private final AtomicLong replay = new AtomicLong(100);
  private final AtomicBoolean recovering = new AtomicBoolean(true);
  private final AtomicLong answeringStart = new AtomicLong(IDENTITY.startMicros()); // who answers the polls
  private final FakeServer server = new FakeServer(IDENTITY, this::row);
  private ServerTracker tracker;
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

  private ServerTracker tracker(Duration idle) {
    return new ServerTracker("replica:5433", IDENTITY, true, Lsn.of(100),
        () -> server.side(ServerTracker.POLL_QUERY), settings(idle), PrimaryClock.NONE);
  }

  private static TrackerSettings settings(Duration idle) {
    return new TrackerSettings(Duration.ofMillis(1), 100_000, Duration.ZERO, idle, false);
  }

  private ResultSet row() throws SQLException {
    ResultSet row = mock(ResultSet.class);
    when(row.next()).thenReturn(true);
    when(row.getLong(4)).thenReturn(answeringStart.get()); // who answered: the tracker's own server, normally
    when(row.getLong(5)).thenReturn(IDENTITY.resetMicros());
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
    assertEquals(0, server.opened.get(), "no connection while nobody waits");
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
  void aPollAnsweredByAnotherServerIsNotTakenForThisOnes() throws Exception {
    answeringStart.set(IDENTITY.startMicros() + 1); // a transaction pooler on the route sent the poll elsewhere
    replay.set(5000);
    assertEquals(ServerTracker.Outcome.ASK_YOURSELF, tracker.await(Lsn.of(200), System.nanoTime() + 5_000_000_000L),
        "the waiter asks on its own connection");
    assertEquals(Lsn.of(100), tracker.lastReplay(), "nothing learned from the other server's answer");
    assertTrue(tracker.isUnreachable());
  }

  @Test
  void aPollThatFindsTheServerPromotedTellsEveryoneItWillNotReplayMore() throws Exception {
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(Long.MAX_VALUE));
    recovering.set(false);
    ExecutionException told = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
    assertTrue(told.getCause().getMessage().contains("left recovery"), told.getCause().getMessage());
    assertFalse(tracker.isInRecovery());
    assertFalse(tracker.isReplicated(Lsn.of(-1L)), "the timeline is unknown here: only what it replayed");
  }

  @Test
  void aServerOutOfReachSendsWaitersToTheirOwnConnectionsThenIsTriedAgain() throws Exception {
    server.connectFailures.set(1);
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(200));
    ExecutionException failure = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
    assertTrue(failure.getCause() instanceof ServerUnreachable, failure.toString());
    assertEquals(ServerTracker.Outcome.ASK_YOURSELF, tracker.await(Lsn.of(200), System.nanoTime() + 1_000_000_000L),
        "during the back-off new waiters are told at once");
    eventually("the back-off to pass", () -> {
      CompletableFuture<Lsn> again = tracker.whenReplayed(Lsn.of(200));
      boolean registered = !again.isCompletedExceptionally();
      again.cancel(false);
      return registered;
    });
    replay.set(200);
    assertEquals(Lsn.of(200), tracker.whenReplayed(Lsn.of(200)).get(10, TimeUnit.SECONDS));
  }

  @Test
  void aConnectionDroppedBetweenPollsIsReopenedWithoutLosingWaiters() throws Exception {
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(200));
    eventually("a few polls", () -> tracker.stats().polls() >= 3);
    int before = server.opened.get();
    server.failNextQuery();
    eventually("a new connection", () -> server.opened.get() > before);
    assertFalse(waiting.isDone(), "the waiter is still there");
    replay.set(200);
    assertEquals(Lsn.of(200), waiting.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aFirstPollThatFailsOnAFreshConnectionKeepsTheWaitersAndReconnects() throws Exception {
    server.failNextQuery(); // the connection opens, then breaks under its first poll (a terminated backend)
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(200));
    eventually("a second connection", () -> server.opened.get() >= 2);
    eventually("a poll on it", () -> tracker.stats().polls() >= 1);
    assertFalse(waiting.isDone(), "the waiter is still there: the server was reached, only the query broke");
    assertEquals(1, server.closed.get(), "the broken connection was closed");
    replay.set(200);
    assertEquals(Lsn.of(200), waiting.get(10, TimeUnit.SECONDS));
  }

  @Test
  void anotherServerBehindTheAddressIsNeverPolled() throws Exception {
    server.reportAs(new ServerIdentity(1, IDENTITY.startMicros() + 1, 0));
    replay.set(1000);
    assertEquals(ServerTracker.Outcome.ASK_YOURSELF, tracker.await(Lsn.of(200), System.nanoTime() + 5_000_000_000L));
    assertEquals(0, tracker.stats().polls());
    assertEquals(Lsn.of(100), tracker.lastReplay(), "nothing learned from the other server");
  }

  @Test
  void connectionsFeedTheCacheAndAPromotionReleasesWhoItHoldsAndTellsTheOthers() throws Exception {
    CompletableFuture<Lsn> held = tracker.whenReplayed(Lsn.of(300));
    CompletableFuture<Lsn> beyond = tracker.whenReplayed(Lsn.of(400));
    tracker.observe(new ReplayState(true, Lsn.of(250), 0));
    assertEquals(Lsn.of(250), tracker.lastReplay());
    tracker.observe(new ReplayState(true, Lsn.of(150), 0));
    assertEquals(Lsn.of(250), tracker.lastReplay(), "a lower bound only rises");
    assertFalse(held.isDone());
    tracker.observe(new ReplayState(false, Lsn.of(320), 2)); // promoted after replaying up to 320
    held.get(5, TimeUnit.SECONDS);
    assertTrue(beyond.isCompletedExceptionally(), "a later position was never replayed there: told at once");
    assertFalse(tracker.isInRecovery());
    assertTrue(tracker.isReplicated(Lsn.of(320)));
    assertFalse(tracker.isReplicated(Lsn.of(321)), "what the old primary wrote after the promotion is not there");
  }

  @Test
  void whatWasLearnedAfterAMomentIsNotKnownBeforeIt() {
    long before = System.nanoTime();
    tracker.observe(new ReplayState(true, Lsn.of(250), 0));
    long after = System.nanoTime();
    assertTrue(tracker.isReplicated(Lsn.of(250)), "known now");
    assertFalse(tracker.knewBefore(Lsn.of(250), 0, before), "learned after that moment: maybe replayed after it");
    assertTrue(tracker.knewBefore(Lsn.of(100), 0, before), "the first position was known from the start");
    assertTrue(tracker.knewBefore(Lsn.of(250), 0, after));
    for (int i = 1; i <= 200; i++) { // more raises than kept: older moments are answered conservatively
      tracker.observe(new ReplayState(true, Lsn.of(250 + i), 0));
    }
    assertTrue(tracker.knewBefore(Lsn.of(450), 0, System.nanoTime()));
    assertFalse(tracker.knewBefore(Lsn.of(251), 0, before));
    long promoted = System.nanoTime();
    tracker.observe(new ReplayState(false, Lsn.of(500), 2));
    assertFalse(tracker.knewBefore(Lsn.of(300), 0, promoted), "left recovery after that moment");
    assertTrue(tracker.knewBefore(Lsn.of(300), 0, System.nanoTime()));
  }

  @Test
  void aPromotedServerHoldsItsOwnTimelineAndWhatItReplayedOfEarlierOnes() {
    tracker.observe(new ReplayState(false, Lsn.of(320), 3)); // promoted to timeline 3 after replaying up to 320
    assertTrue(tracker.holds(Lsn.of(9000), 3), "written on it, after its promotion");
    assertTrue(tracker.holds(Lsn.of(320), 2), "replayed before it left recovery");
    assertFalse(tracker.holds(Lsn.of(321), 2), "its old primary's, after the fork");
    assertFalse(tracker.holds(Lsn.of(100), 4), "a later timeline's: it was left behind");
    assertFalse(tracker.holds(Lsn.of(321), 0), "unknown timeline: by position only");
    assertTrue(tracker.holds(Lsn.of(320), 0));
  }

  @Test
  void theFirstPrimaryHoldsAllButALaterTimelines() {
    tracker.observe(new ReplayState(false, Lsn.ZERO, 1));
    assertTrue(tracker.holds(Lsn.of(Long.MAX_VALUE), 1));
    assertTrue(tracker.holds(Lsn.of(Long.MAX_VALUE), 0));
    assertFalse(tracker.holds(Lsn.of(5), 2), "a standby promoted away from it wrote that");
  }

  @Test
  void inRecoveryTimelinesAreNotAsked() {
    tracker.observe(new ReplayState(true, Lsn.of(250), 0));
    assertTrue(tracker.holds(Lsn.of(250), 7));
    assertFalse(tracker.holds(Lsn.of(251), 1));
  }

  @Test
  void aServerNeverPromotedHoldsEverything() {
    tracker.observe(new ReplayState(false, Lsn.ZERO, 1));
    assertTrue(tracker.isReplicated(Lsn.of(Long.MAX_VALUE)), "timeline 1 out of recovery: the first primary");
  }

  @Test
  void aServerOutOfRecoveryOnAnUnknownTimelineHoldsOnlyWhatItReplayed() {
    tracker.observe(new ReplayState(false, Lsn.of(500), 0));
    assertTrue(tracker.isReplicated(Lsn.of(500)));
    assertFalse(tracker.isReplicated(Lsn.of(501)));
  }

  @Test
  void aStrayInterruptDoesNotEndThePoller() throws Exception {
    CompletableFuture<Lsn> first = tracker.whenReplayed(Lsn.of(200));
    eventually("a poll", () -> tracker.stats().polls() >= 1);
    Thread poller = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("lsnwait-tracker[replica:5433]")).findFirst().orElseThrow();
    poller.interrupt();
    long polls = tracker.stats().polls();
    eventually("more polls", () -> tracker.stats().polls() > polls + 3);
    replay.set(200);
    first.get(10, TimeUnit.SECONDS);
    CompletableFuture<Lsn> later = tracker.whenReplayed(Lsn.of(300));
    replay.set(300);
    assertEquals(Lsn.of(300), later.get(10, TimeUnit.SECONDS));
  }

  @Test
  void anErrorInThePollerSendsWaitersAwayAndTheNextWaiterStartsAFreshOne() throws Exception {
    AtomicBoolean explode = new AtomicBoolean(true);
    FakeServer failing = new FakeServer(IDENTITY, () -> {
      if (explode.getAndSet(false)) {
        throw new StackOverflowError("boom");
      }
      return row();
    });
    tracker.close();
    tracker = new ServerTracker("replica:5433", IDENTITY, true, Lsn.of(100),
        () -> failing.side(ServerTracker.POLL_QUERY), settings(Duration.ofSeconds(60)), PrimaryClock.NONE);
    CompletableFuture<Lsn> first = tracker.whenReplayed(Lsn.of(200));
    assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS));
    CompletableFuture<Lsn> second = tracker.whenReplayed(Lsn.of(200));
    replay.set(200);
    assertEquals(Lsn.of(200), second.get(10, TimeUnit.SECONDS), "a new poller serves the next waiter");
  }

  @Test
  void aGoingIdlePollerAndANewWaiterNeverShareAConnection() throws Exception {
    tracker.close();
    tracker = tracker(Duration.ofNanos(1));
    for (int i = 0; i < 2000; i++) {
      replay.set(101 + i);
      assertEquals(ServerTracker.Outcome.REPLAYED,
          tracker.await(Lsn.of(101 + i), System.nanoTime() + 10_000_000_000L));
    }
    tracker.close();
    eventually("every connection closed", () -> server.closed.get() == server.opened.get());
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
    eventually("the idle poller to close its connection", () -> server.closed.get() == server.opened.get());
    eventually("the poller thread to end", () -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("lsnwait-tracker[replica:5433]")));
    // And it starts again when needed.
    CompletableFuture<Lsn> again = tracker.whenReplayed(Lsn.of(300));
    replay.set(300);
    again.get(10, TimeUnit.SECONDS);
  }

  @Test
  void closeSendsWaitersToTheirOwnConnections() throws Exception {
    CompletableFuture<Lsn> waiting = tracker.whenReplayed(Lsn.of(1000));
    tracker.close();
    assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
    assertEquals(ServerTracker.Outcome.ASK_YOURSELF, tracker.await(Lsn.of(1000), System.nanoTime() + 5_000_000_000L));
    assertFalse(tracker.await(Lsn.of(1000), Duration.ofSeconds(5)));
    assertEquals(0, tracker.stats().waiters());
  }
}

package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.testkit.Deadline;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Refreshes: while readers ask for positions, the poller keeps the cache up with the commits this JVM made, so that
 * a read coming after its commit was replayed does not wait; nothing without readers, less while replay stalls.
 */
class RefreshTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L, 0);
  private final AtomicLong replay = new AtomicLong(100);
  private final AtomicLong latestCommitted = new AtomicLong(100);
  private final FakeServer server = new FakeServer(IDENTITY, this::row);
  private ServerTracker tracker;

  @AfterEach
  void tearDown() {
    tracker.close();
  }

  private ServerTracker tracker(Duration refresh) {
    return tracker(refresh, Long.MIN_VALUE);
  }

  /**
   * @param lagNanos a lag the forecast learns at the first poll (the primary passed every position that long before
   *     it was polled, and passed the latest commit just now), or {@link Long#MIN_VALUE}: the primary's times unknown
   */
  private ServerTracker tracker(Duration refresh, long lagNanos) {
    boolean known = lagNanos != Long.MIN_VALUE;
    PrimaryClock clock = new PrimaryClock() {
      @Override
      public long timeAt(long lsn) {
        return known ? System.nanoTime() : Long.MIN_VALUE;
      }

      @Override
      public long timeUpTo(long lsn) {
        return known ? System.nanoTime() - lagNanos : Long.MIN_VALUE;
      }

      @Override
      public long latest() {
        return latestCommitted.get();
      }
    };
    tracker = new ServerTracker("replica:5433", IDENTITY, true, Lsn.of(100),
        () -> server.side(ServerTracker.POLL_QUERY),
        new TrackerSettings(Duration.ofMillis(1), 100_000, refresh, Duration.ofSeconds(60), false), clock);
    return tracker;
  }

  private ResultSet row() throws SQLException {
    ResultSet row = mock(ResultSet.class);
    when(row.next()).thenReturn(true);
    when(row.getLong(4)).thenReturn(IDENTITY.startMicros()); // who answered: the tracker's own server
    when(row.getLong(5)).thenReturn(IDENTITY.resetMicros());
    when(row.getBoolean(1)).thenReturn(true);
    when(row.getString(2)).thenReturn(Lsn.of(replay.get()).toString());
    return row;
  }

  private static void eventually(String what, BooleanSupplier condition) {
    Deadline.await(Duration.ofSeconds(10), what, condition);
  }

  /** Lets a poller that should not poll have its chance to (a negative cannot be waited for). */
  private static void pause(long millis) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(millis);
  }

  @Test
  void whileReadersAskTheCacheFollowsThisJvmsCommitsWithoutAnyoneWaiting() {
    tracker(Duration.ofMillis(5));
    assertTrue(tracker.isReplicated(Lsn.of(100))); // a reader asked: in demand
    replay.set(300);
    latestCommitted.set(300);
    eventually("the cache refreshed", () -> tracker.lastReplay().equals(Lsn.of(300)));
    assertEquals(0, tracker.stats().waits(), "nobody waited");
    assertTrue(tracker.isReplicated(Lsn.of(300)), "a read of that commit finds it known");
  }

  @Test
  void aForecastThatIsFarOffStillLetsTheCacheRefreshSoon() {
    tracker(Duration.ofMillis(5), TimeUnit.SECONDS.toNanos(60)); // a lag of a minute, learned from the first poll
    assertTrue(tracker.isReplicated(Lsn.of(100)));
    replay.set(200);
    latestCommitted.set(200);
    eventually("a first refresh", () -> tracker.lastReplay().equals(Lsn.of(200)));
    replay.set(300);
    latestCommitted.set(300); // forecast a minute from now
    long start = System.nanoTime();
    eventually("the next refresh", () -> tracker.lastReplay().equals(Lsn.of(300)));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "not a minute later: a forecast can be wrong");
  }

  @Test
  void nothingIsAskedWhileNoReaderAsks() throws Exception {
    tracker(Duration.ofMillis(5));
    replay.set(300);
    latestCommitted.set(300);
    pause(100);
    assertEquals(0, tracker.stats().polls());
    assertEquals(0, server.opened.get(), "no connection either");
  }

  @Test
  void nothingIsAskedWhenRefreshesAreOff() throws Exception {
    tracker(Duration.ZERO);
    assertTrue(tracker.isReplicated(Lsn.of(100)));
    replay.set(300);
    latestCommitted.set(300);
    pause(100);
    assertEquals(0, tracker.stats().polls());
  }

  @Test
  void nothingIsAskedOnceTheCacheCoversEveryCommitOfThisJvm() throws Exception {
    tracker(Duration.ofMillis(2));
    assertTrue(tracker.isReplicated(Lsn.of(100)));
    replay.set(300);
    latestCommitted.set(300);
    eventually("the cache refreshed", () -> tracker.lastReplay().equals(Lsn.of(300)));
    long polls = tracker.stats().polls();
    pause(100);
    assertEquals(polls, tracker.stats().polls(), "no commit since: nothing to ask");
  }

  @Test
  void aStalledReplayIsAskedLessAndLessOften() throws Exception {
    tracker(Duration.ofMillis(2));
    assertTrue(tracker.isReplicated(Lsn.of(100)));
    latestCommitted.set(300); // committed, but the replica replays nothing
    eventually("a first refresh", () -> tracker.stats().polls() >= 1);
    long start = System.nanoTime();
    long first = tracker.stats().polls();
    pause(400);
    double seconds = (System.nanoTime() - start) / 1e9;
    long polls = tracker.stats().polls() - first;
    // Every 2 ms would be 200; doubling up to 50 ms between polls makes it about 12.
    assertTrue(polls <= 6 + seconds * 40, polls + " polls in " + seconds + " s");
    replay.set(300);
    eventually("the cache refreshed once replay moves", () -> tracker.lastReplay().equals(Lsn.of(300)));
  }
}

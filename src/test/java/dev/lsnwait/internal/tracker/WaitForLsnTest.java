package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL 19: the poller waits in the server ({@code WAIT FOR LSN}) for the earliest position someone waits for,
 * and never for nobody's: a wait for {@code FFFFFFFF/FFFFFFFF} lasts the whole slice, and every reader who came
 * meanwhile waits it out.
 */
class WaitForLsnTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L, 0);
  private static final String NOBODYS = Lsn.of(ServerTracker.NOBODY).toString();
  private final AtomicLong replay = new AtomicLong(100);
  private final AtomicLong latestCommitted = new AtomicLong(100);
  private final ConcurrentLinkedQueue<String> waitedFor = new ConcurrentLinkedQueue<>();
  private final ResultSet row = FakeReplayRows.replayedUpTo(IDENTITY, replay);
  private final FakeServer server = new FakeServer(IDENTITY, () -> row);
  private ServerTracker tracker;

  @AfterEach
  void tearDown() {
    tracker.close();
  }

  /** The server: replays the position waited for at once; one nobody waits for is never there (the slice passes). */
  private ResultSet waitFor(String sql) throws Exception {
    String target = FakeReplayRows.waitedFor(sql);
    waitedFor.add(target);
    if (target.equals(NOBODYS)) {
      TimeUnit.MILLISECONDS.sleep(50);
    } else {
      long position = Lsn.parse(target).asLong();
      replay.accumulateAndGet(position, Math::max);
    }
    return row;
  }

  private ServerTracker tracker() {
    PrimaryClock clock = TestClocks.latestOnly(latestCommitted::get);
    server.answerPlain(this::waitFor);
    tracker = new ServerTracker("replica:5433", IDENTITY, true, Lsn.of(100),
        () -> server.side(ServerTracker.POLL_QUERY),
        new TrackerSettings(Duration.ofMillis(1), 100_000, Duration.ofMillis(1), Duration.ofSeconds(60), true), clock);
    return tracker;
  }

  @Test
  void aReaderWhoComesWhileTheCacheIsRefreshedIsWaitedForByItsOwnPosition() throws Exception {
    tracker();
    // Readers ask between the waits, so the poller refreshes the cache for this JVM's commits: it keeps looking while
    // nobody waits, and now and then a waiter comes just as it looks (before the fix, 1 to 6 times in 2,000).
    for (int i = 0; i < 3000; i++) {
      long committed = replay.get() + 1;
      latestCommitted.set(committed);
      assertTrue(tracker.isReplicated(Lsn.of(replay.get())));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      assertEquals(ServerTracker.Outcome.REPLAYED, tracker.await(Lsn.of(committed), deadline));
    }
    List<String> sent = List.copyOf(waitedFor);
    assertFalse(sent.contains(NOBODYS), sent.stream().filter(NOBODYS::equals).count() + " of " + sent.size()
        + " waits in the server were for nobody's position");
  }
}

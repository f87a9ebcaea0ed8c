package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review stress: commits at random, a replica that replays them after a changing lag with stalls, and readers that
 * wait for their own commits. The tracker mixes polls at the forecast and, on PostgreSQL 19, waits in the server.
 * Every wait must end REPLAYED, never before the replica replayed its position, and soon after it did.
 */
class MixedAskingStressTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L, 0);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final AtomicLong replay = new AtomicLong(100);
  private final Object replayed = new Object(); // notified on every rise
  private final ConcurrentSkipListMap<Long, Long> commits = new ConcurrentSkipListMap<>(); // lsn -> nanoTime
  private final ConcurrentSkipListMap<Long, Long> replayTimes = new ConcurrentSkipListMap<>(); // replay -> nanoTime
  private final AtomicLong next = new AtomicLong(100);
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ResultSet row = FakeReplayRows.replayedUpTo(IDENTITY, replay);
  private final FakeServer server = new FakeServer(IDENTITY, () -> row);
  private ServerTracker tracker;
  private ExecutorService threads;

  @AfterEach
  void tearDown() {
    stop.set(true);
    if (tracker != null) {
      tracker.close();
    }
    if (threads != null) {
      threads.shutdownNow();
    }
  }

  /** WAIT FOR LSN: until the target is replayed or 50 ms passed. */
  private ResultSet waitFor(String sql) throws Exception {
    String target = FakeReplayRows.waitedFor(sql);
    long position = Lsn.parse(target).asLong();
    long end = System.nanoTime() + 50 * MS;
    synchronized (replayed) {
      while (Long.compareUnsigned(replay.get(), position) < 0) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(replayed, left);
      }
    }
    return row;
  }

  private final PrimaryClock clock = new PrimaryClock() {
    @Override
    public long timeAt(long lsn) {
      Map.Entry<Long, Long> e = commits.ceilingEntry(lsn);
      return e == null ? Long.MIN_VALUE : e.getValue();
    }

    @Override
    public long timeUpTo(long lsn) {
      Map.Entry<Long, Long> e = commits.floorEntry(lsn);
      return e == null ? Long.MIN_VALUE : e.getValue();
    }

    @Override
    public long latest() {
      return commits.isEmpty() ? -1 : commits.lastKey();
    }
  };

  /** Replays what was committed a lag ago; the lag changes, and now and then replay stalls. */
  private void replayer() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long lag = 10 * MS;
    while (!stop.get()) {
      if (random.nextInt(200) == 0) {
        lag = random.nextLong(0, 40 * MS);
      }
      if (random.nextInt(500) == 0) {
        sleep(random.nextLong(50, 200) * MS); // a stall
      }
      long now = System.nanoTime();
      Long upTo = null;
      for (Map.Entry<Long, Long> e : commits.entrySet()) {
        if (e.getValue() <= now - lag) {
          upTo = e.getKey();
        } else {
          break;
        }
      }
      if (upTo != null && upTo > replay.get()) {
        replayTimes.putIfAbsent(upTo, System.nanoTime());
        synchronized (replayed) {
          replay.set(upTo);
          replayed.notifyAll();
        }
      }
      sleep(random.nextLong(200_000, 2 * MS));
    }
  }

  private static void sleep(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void everyReaderWakesSoonAfterItsCommitIsReplayedAndNeverBefore(boolean waitForLsn) throws Exception {
    server.answerPlain(this::waitFor);
    tracker = new ServerTracker("replica:5433", IDENTITY, true, Lsn.of(100),
        () -> server.side(ServerTracker.POLL_QUERY),
        new TrackerSettings(Duration.ofMillis(1), 180, Duration.ofMillis(50), Duration.ofSeconds(60), waitForLsn),
        clock);
    threads = Executors.newCachedThreadPool();
    threads.submit(this::replayer);
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    AtomicLong worst = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // the first connection's mocks take long to make
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(7);
    List<Future<?>> readers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      readers.add(threads.submit(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < until && problems.isEmpty()) {
          long lsn = next.addAndGet(random.nextLong(1, 100));
          commits.put(lsn, System.nanoTime());
          if (random.nextBoolean()) {
            sleep(random.nextLong(0, 20 * MS)); // some read at once, some a little later
          }
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
          ServerTracker.Outcome outcome = tracker.await(Lsn.of(lsn), deadline);
          long done = System.nanoTime();
          long seen = replay.get();
          reads.incrementAndGet();
          if (outcome != ServerTracker.Outcome.REPLAYED) {
            problems.add(outcome + " for " + lsn + ", replayed " + seen);
            continue;
          }
          if (Long.compareUnsigned(seen, lsn) < 0) {
            problems.add("stale: " + lsn + " said replayed at " + seen);
            continue;
          }
          Map.Entry<Long, Long> at = replayTimes.ceilingEntry(lsn);
          if (at != null && at.getValue() - warm > 0) {
            long late = done - at.getValue();
            worst.accumulateAndGet(late, Math::max);
          }
        }
        return null;
      }));
    }
    for (Future<?> reader : readers) {
      reader.get(60, TimeUnit.SECONDS);
    }
    assertEquals(List.of(), List.copyOf(problems));
    System.out.println("waitForLsn=" + waitForLsn + ": " + reads.get() + " reads, worst "
        + worst.get() / MS + " ms after replay; polls " + tracker.stats().polls());
    assertTrue(worst.get() < 400 * MS, "a reader woke " + worst.get() / MS + " ms after its replay");
  }
}

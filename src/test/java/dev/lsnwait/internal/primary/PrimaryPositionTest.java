package dev.lsnwait.internal.primary;

import static dev.lsnwait.internal.primary.PositionRows.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.testkit.Deadline;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrimaryPositionTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L, 0);
  private final AtomicReference<String> insertPosition = new AtomicReference<>("0/1000");
  private final AtomicInteger queries = new AtomicInteger();
  private volatile Callable<ResultSet> answer = () -> row(insertPosition.get());
  private final FakeServer server = new FakeServer(IDENTITY, () -> {
    queries.incrementAndGet();
    return answer.call();
  });
  private PrimaryPosition position;
  private ExecutorService threads;

  /**
   * The fake server's connections are Mockito mocks: the first mocks of a JVM take a second or more to make (class
   * instrumentation), which a test whose reads have 2 s would spend waiting when it runs first (alone, or first in
   * its fork). Made here, before any deadline runs.
   */
  @BeforeAll
  static void warmUpMocks() throws Exception {
    dev.lsnwait.internal.server.SideConnection warm =
        new FakeServer(IDENTITY, () -> row("0/0")).side(PrimaryPosition.QUERY, true);
    try {
      warm.statement().executeQuery().next();
    } finally {
      warm.close();
    }
  }

  @BeforeEach
  void setUp() {
    server.inRecovery(false);
    position = new PrimaryPosition("primary:5432", 1, 8192, 16 << 20, Duration.ofSeconds(2), Duration.ZERO,
        Duration.ofSeconds(60), () -> server.side(PrimaryPosition.QUERY, true));
    threads = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
    position.close();
  }

  private Lsn covering(long mark) throws SQLException {
    return position.covering(mark, position.defaultDeadline());
  }

  @Test
  void readsTheInsertPositionNormalized() throws SQLException {
    insertPosition.set("0/4018"); // page 2 (8 KiB pages) + 24: right after a page header
    assertEquals(Lsn.of(0x4000 - 7), covering(position.mark()), "the page boundary, less the padding before it");
  }

  @Test
  void aReadServesEveryCommitThatReturnedBeforeItStarted() throws SQLException {
    long before = position.mark();
    assertEquals(Lsn.of(0x1000 - 7), covering(before));
    insertPosition.set("0/2000");
    assertEquals(Lsn.of(0x1000 - 7), covering(before), "no new read for an older commit");
    assertEquals(1, queries.get());

    long after = position.mark();
    assertEquals(Lsn.of(0x2000 - 7), covering(after), "a later commit needs a later read");
    assertEquals(2, queries.get());
  }

  @Test
  void concurrentReadersShareOneRead() throws Exception {
    CountDownLatch queryStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    answer = () -> {
      queryStarted.countDown();
      assertTrue(release.await(5, TimeUnit.SECONDS));
      return row(insertPosition.get());
    };
    long mark = position.mark();
    List<Future<Lsn>> readers = new ArrayList<>();
    readers.add(threads.submit(() -> covering(mark)));
    assertTrue(queryStarted.await(5, TimeUnit.SECONDS));
    long laterMark = position.mark(); // taken while the first read runs: that read started before it
    for (int i = 0; i < 20; i++) {
      long m = i % 2 == 0 ? mark : laterMark;
      readers.add(threads.submit(() -> covering(m)));
    }
    release.countDown();
    for (Future<Lsn> reader : readers) {
      assertEquals(Lsn.of(0x1000 - 7), reader.get(5, TimeUnit.SECONDS));
    }
    assertTrue(queries.get() <= 2, "the one in flight, then one for all later marks: " + queries.get());
  }

  @Test
  void aConnectionThatDiedSinceTheLastReadIsReplacedAtOnce() throws SQLException {
    assertEquals(Lsn.of(0x1000 - 7), covering(position.mark()));
    server.failNextQuery();
    insertPosition.set("0/3000");
    assertEquals(Lsn.of(0x3000 - 7), covering(position.mark()), "read again on a fresh connection");
    assertEquals(2, server.opened.get());
    assertEquals(1, server.closed.get());
  }

  @Test
  void aPrimaryThatCannotBeReachedFailsTheReadWithoutAConnectionErrorAndTheNextTriesAgain() throws SQLException {
    server.connectFailures.set(Integer.MAX_VALUE);
    PositionUnavailableException failure = assertThrows(PositionUnavailableException.class,
        () -> position.covering(position.mark(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
    assertEquals("57014", failure.getSQLState(), "not 08xxx: the application's own connection is fine");
    assertTrue(failure.getMessage().contains("primary:5432"), failure.getMessage());
    server.connectFailures.set(0);
    assertEquals(Lsn.of(0x1000 - 7), covering(position.mark()));
  }

  @Test
  void aReadThatFailsIsTriedAgainWithinTheCallersDeadline() throws SQLException {
    server.connectFailures.set(2); // the primary restarting: refused twice, then back
    assertEquals(Lsn.of(0x1000 - 7), covering(position.mark()));
  }

  @Test
  void aReadIsBoundedByItsCallersDeadlineEvenIfTheServerHangs() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    answer = () -> {
      assertTrue(release.await(10, TimeUnit.SECONDS));
      return row(insertPosition.get());
    };
    long start = System.nanoTime();
    assertThrows(PositionUnavailableException.class,
        () -> position.covering(position.mark(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(waited < 2_000, "waited " + waited + " ms");
    release.countDown();
  }

  @Test
  void readsGoToTheServerThatCommittedAndAnotherPrimaryOnlyStandsInWhenItIsGone() throws SQLException {
    assertEquals(Lsn.of(0x1000 - 7), covering(position.mark()));
    server.reportAs(new ServerIdentity(1, IDENTITY.startMicros() + 5, 0)); // restarted, or replaced after a failover
    server.failNextQuery();
    insertPosition.set("0/5000");
    assertEquals(Lsn.of(0x5000 - 7), covering(position.mark()), "the primary now at that address stands in");
  }

  @Test
  void commitsAreResolvedSoonAfterTheyHappenAndTheirTokenIsNoWiderThanThat() throws Exception {
    PrimaryPosition eager = new PrimaryPosition("primary:5432", 1, 8192, 16 << 20, Duration.ofSeconds(2),
        Duration.ofMillis(1), Duration.ofSeconds(60), () -> server.side(PrimaryPosition.QUERY, true));
    try {
      long first = eager.mark(); // a commit: no round trip, but a read follows within about a millisecond
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (eager.lastRead() == null) { // read and kept, not only asked
        assertTrue(System.nanoTime() < deadline, "the commit was resolved without anyone asking");
        Thread.onSpinWait();
      }
      insertPosition.set("0/9000"); // others write on
      long second = eager.mark();
      while (!Lsn.of(0x9000 - 7).equals(eager.lastRead())) {
        assertTrue(System.nanoTime() < deadline, "the second commit too");
        Thread.onSpinWait();
      }
      assertEquals(Lsn.of(0x1000 - 7), eager.covering(first, eager.defaultDeadline()),
          "the first commit's token is the read right after it, not the primary's position when asked");
      assertEquals(Lsn.of(0x9000 - 7), eager.covering(second, eager.defaultDeadline()));
      assertEquals(2, queries.get(), "both answered from what was read");
    } finally {
      eager.close();
    }
  }

  /**
   * No token resolved for ten seconds: the reader reads commits every 50 ms. Once one is resolved, a commit is read
   * within {@code resolveInterval} again, also while the reader sleeps out the 50 ms that followed its last read (it
   * is paced: commits do not signal it). Else the commit's token is the position up to 50 ms after it.
   */
  @Test
  void aCommitRightAfterTokensComeIntoUseIsReadWithinTheResolveIntervalNotFiftyMillisecondsLater() throws Exception {
    PrimaryPosition eager = new PrimaryPosition("primary:5432", 1, 8192, 16 << 20, Duration.ofSeconds(2),
        Duration.ofMillis(1), Duration.ofSeconds(60), () -> server.side(PrimaryPosition.QUERY, true));
    try {
      long first = eager.mark(); // nobody resolved a token yet: the next eager read is 50 ms after this one
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (eager.lastRead() == null) {
        assertTrue(System.nanoTime() < deadline, "the first commit was read");
        Thread.onSpinWait();
      }
      assertEquals(Lsn.of(0x1000 - 7), eager.covering(first, eager.defaultDeadline()), "a token is in use now");
      AtomicLong readAt = new AtomicLong();
      answer = () -> {
        readAt.compareAndSet(0, System.nanoTime());
        return row(insertPosition.get());
      };
      long committedAt = System.nanoTime();
      eager.mark();
      while (queries.get() < 2) {
        assertTrue(System.nanoTime() < deadline, "the second commit was read");
        Thread.onSpinWait();
      }
      long late = TimeUnit.NANOSECONDS.toMillis(readAt.get() - committedAt);
      assertTrue(late < 25, "read " + late + " ms after the commit, not within about 1 ms");
    } finally {
      eager.close();
    }
  }

  /**
   * A reader thread that goes idle closes its connection; a read asked for while it closes must not start a second
   * reader thread on the same connection (which used it, or replaced it, under the closing thread's feet: a spurious
   * failure, or a connection nobody closes). It is served once the close is done, on a fresh connection.
   */
  @Test
  void aReadAskedForWhileTheIdleReaderClosesItsConnectionWaitsForTheCloseAndNothingIsOrphaned() throws Exception {
    CountDownLatch closing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.whenClosing(() -> {
      closing.countDown();
      try {
        assertTrue(release.await(10, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    String name = "handoff:5432";
    PrimaryPosition idling = new PrimaryPosition(name, 1, 8192, 16 << 20, Duration.ofSeconds(2), Duration.ZERO,
        Duration.ofNanos(1), () -> server.side(PrimaryPosition.QUERY, true)); // idle at once after each read
    try {
      assertEquals(Lsn.of(0x1000 - 7), idling.covering(idling.mark(), idling.defaultDeadline()));
      assertTrue(closing.await(10, TimeUnit.SECONDS), "the reader went idle and is closing its connection");

      insertPosition.set("0/2000");
      long mark = idling.mark();
      // A deadline already passed: the call only asks for a read (and gives up at once), as a commit's reader would.
      assertThrows(PositionUnavailableException.class, () -> idling.covering(mark, System.nanoTime()));
      assertEquals(1, readerThreads(name), "one reader at a time: none starts while the last one closes");

      release.countDown();
      assertEquals(Lsn.of(0x2000 - 7), idling.covering(mark, idling.defaultDeadline()),
          "served after the close, on a new connection");
      Deadline.await(Duration.ofSeconds(10), "every connection opened closed (" + server.opened.get() + " opened)",
          () -> readerThreads(name) == 0 && server.closed.get() == server.opened.get());
      assertEquals(2, server.opened.get(), "the first, and a fresh one after the close");
    } finally {
      release.countDown();
      idling.close();
    }
  }

  private static long readerThreads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.isAlive() && thread.getName().equals("lsnwait-position[" + name + "]"))
        .count();
  }

  @Test
  void closedReaderSaysSo() {
    position.close();
    assertThrows(SQLTransientException.class, () -> covering(position.mark()));
  }
}

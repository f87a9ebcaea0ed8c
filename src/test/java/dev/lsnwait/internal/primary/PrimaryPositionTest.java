package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import java.time.Duration;
import java.sql.ResultSet;
import java.sql.SQLException;
import dev.lsnwait.PositionUnavailableException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrimaryPositionTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L);
  private final AtomicReference<String> insertPosition = new AtomicReference<>("0/1000");
  private final AtomicInteger queries = new AtomicInteger();
  private volatile Callable<ResultSet> answer = () -> row(insertPosition.get());
  private final FakeServer server = new FakeServer(IDENTITY, () -> {
    queries.incrementAndGet();
    return answer.call();
  });
  private PrimaryPosition position;
  private ExecutorService threads;

  @BeforeEach
  void setUp() {
    server.inRecovery(false);
    position = new PrimaryPosition("primary:5432", 1, 8192, 16 << 20, Duration.ofSeconds(2),
        () -> server.side(PrimaryPosition.QUERY, true));
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

  private static ResultSet row(String lsn) throws SQLException {
    ResultSet row = mock(ResultSet.class);
    when(row.next()).thenReturn(true);
    when(row.getString(1)).thenReturn(lsn);
    return row;
  }

  @Test
  void readsTheInsertPositionNormalized() throws SQLException {
    insertPosition.set("0/4018"); // page 2 (8 KiB pages) + 24: right after a page header
    assertEquals(Lsn.of(0x4000), covering(position.mark()));
  }

  @Test
  void aReadServesEveryCommitThatReturnedBeforeItStarted() throws SQLException {
    long before = position.mark();
    assertEquals(Lsn.parse("0/1000"), covering(before));
    insertPosition.set("0/2000");
    assertEquals(Lsn.parse("0/1000"), covering(before), "no new read for an older commit");
    assertEquals(1, queries.get());

    long after = position.mark();
    assertEquals(Lsn.parse("0/2000"), covering(after), "a later commit needs a later read");
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
      assertEquals(Lsn.parse("0/1000"), reader.get(5, TimeUnit.SECONDS));
    }
    assertTrue(queries.get() <= 2, "the one in flight, then one for all later marks: " + queries.get());
  }

  @Test
  void aConnectionThatDiedSinceTheLastReadIsReplacedAtOnce() throws SQLException {
    assertEquals(Lsn.parse("0/1000"), covering(position.mark()));
    server.failNextQuery();
    insertPosition.set("0/3000");
    assertEquals(Lsn.parse("0/3000"), covering(position.mark()), "read again on a fresh connection");
    assertEquals(2, server.opened.get());
    assertEquals(1, server.closed.get());
  }

  @Test
  void aPrimaryThatCannotBeReachedFailsTheReadWithoutAConnectionErrorAndTheNextTriesAgain() throws SQLException {
    server.connectFailures.set(1);
    PositionUnavailableException failure =
        assertThrows(PositionUnavailableException.class, () -> covering(position.mark()));
    assertEquals("57014", failure.getSQLState(), "not 08xxx: the application's own connection is fine");
    assertTrue(failure.getMessage().contains("primary:5432"), failure.getMessage());
    assertEquals(Lsn.parse("0/1000"), covering(position.mark()));
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
    assertEquals(Lsn.parse("0/1000"), covering(position.mark()));
    server.reportAs(new ServerIdentity(1, IDENTITY.startMicros() + 5)); // restarted, or replaced after a failover
    server.failNextQuery();
    insertPosition.set("0/5000");
    assertEquals(Lsn.parse("0/5000"), covering(position.mark()), "the primary now at that address stands in");
  }

  @Test
  void closedReaderSaysSo() {
    position.close();
    assertThrows(SQLTransientException.class, () -> covering(position.mark()));
  }
}

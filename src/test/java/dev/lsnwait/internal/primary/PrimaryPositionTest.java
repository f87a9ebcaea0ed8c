package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.atMost;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.ConnectionFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrimaryPositionTest {

  private final AtomicReference<String> insertPosition = new AtomicReference<>("0/1000");
  private ConnectionFactory factory;
  private Connection connection;
  private PreparedStatement statement;
  private PrimaryPosition position;
  private ExecutorService threads;

  @BeforeEach
  void setUp() throws SQLException {
    factory = mock(ConnectionFactory.class);
    connection = mock(Connection.class);
    statement = mock(PreparedStatement.class);
    when(factory.open()).thenReturn(connection);
    when(connection.prepareStatement(anyString())).thenReturn(statement);
    when(statement.executeQuery()).thenAnswer(call -> row(insertPosition.get()));
    position = new PrimaryPosition("primary:5432", 1, 8192, 16 << 20, 2_000, factory);
    threads = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
    position.close();
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
    assertEquals(Lsn.of(0x4000), position.covering(position.mark()));
  }

  @Test
  void aReadServesEveryCommitThatReturnedBeforeItStarted() throws SQLException {
    long before = position.mark();
    assertEquals(Lsn.parse("0/1000"), position.covering(before));
    insertPosition.set("0/2000");
    assertEquals(Lsn.parse("0/1000"), position.covering(before), "no new read for an older commit");
    verify(statement, times(1)).executeQuery();

    long after = position.mark();
    assertEquals(Lsn.parse("0/2000"), position.covering(after), "a later commit needs a later read");
    verify(statement, times(2)).executeQuery();
  }

  @Test
  void concurrentReadersShareOneRead() throws Exception {
    CountDownLatch queryStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    when(statement.executeQuery())
        .thenAnswer(
            call -> {
              queryStarted.countDown();
              assertTrue(release.await(5, TimeUnit.SECONDS));
              return row(insertPosition.get());
            });
    long mark = position.mark();
    List<Future<Lsn>> readers = new ArrayList<>();
    readers.add(threads.submit(() -> position.covering(mark)));
    assertTrue(queryStarted.await(5, TimeUnit.SECONDS));
    long laterMark = position.mark(); // taken while the first read runs: that read started before it
    for (int i = 0; i < 20; i++) {
      long m = i % 2 == 0 ? mark : laterMark;
      readers.add(threads.submit(() -> position.covering(m)));
    }
    release.countDown();
    for (Future<Lsn> reader : readers) {
      assertEquals(Lsn.parse("0/1000"), reader.get(5, TimeUnit.SECONDS));
    }
    verify(statement, atMost(2)).executeQuery(); // the one in flight, then one for all later marks
  }

  @Test
  void aFailedReadFailsItsCallersAndTheNextReconnects() throws SQLException {
    when(statement.executeQuery()).thenThrow(new SQLException("connection reset", "08006")).thenAnswer(c -> row("0/3000"));
    SQLTransientException failure =
        assertThrows(SQLTransientException.class, () -> position.covering(position.mark()));
    assertTrue(failure.getMessage().contains("primary:5432"), failure.getMessage());
    verify(connection).close();
    assertEquals(Lsn.parse("0/3000"), position.covering(position.mark()));
    verify(factory, times(2)).open();
  }

  @Test
  void closedReaderSaysSo() {
    position.close();
    assertThrows(SQLTransientException.class, () -> position.covering(position.mark()));
  }
}

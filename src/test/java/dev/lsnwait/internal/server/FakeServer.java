package dev.lsnwait.internal.server;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A server for unit tests, reached through mocked pgjdbc connections: it answers lsnwait's identity check with its
 * identity, and its prepared query with whatever the test's {@link Callable} gives.
 */
public final class FakeServer {

  public final ServerIdentity identity;
  public final AtomicInteger connectFailures = new AtomicInteger();
  public final AtomicInteger opened = new AtomicInteger();
  public final AtomicInteger closed = new AtomicInteger();
  private final Callable<ResultSet> answer;
  private volatile boolean inRecovery = true;
  private volatile boolean failNext;
  private volatile ServerIdentity reports;
  private volatile Runnable whenClosing = () -> {};
  private volatile PlainAnswer plain = sql -> null;

  /** A server answering its prepared query with {@code answer}. */
  public FakeServer(ServerIdentity identity, Callable<ResultSet> answer) {
    this.identity = identity;
    this.reports = identity;
    this.answer = answer;
  }

  /** From now on the address reaches a server with this identity (a restart, another server behind a balancer). */
  public void reportAs(ServerIdentity other) {
    reports = other;
  }

  /** The next query on an open connection fails as if the connection broke. */
  public void failNextQuery() {
    failNext = true;
  }

  /** Runs {@code hook} on the closing thread at the start of every connection's close (to hold a close open). */
  public void whenClosing(Runnable hook) {
    whenClosing = hook;
  }

  /** What SQL sent as a plain statement (PostgreSQL 19's {@code WAIT FOR LSN …; poll}) answers. */
  public interface PlainAnswer {
    /** The result set of the statement's last part, or null for none. */
    ResultSet answer(String sql) throws Exception;
  }

  /** From now on, plain statements (not the identity check) are answered by {@code answer}. */
  public void answerPlain(PlainAnswer answer) {
    plain = answer;
  }

  public void inRecovery(boolean recovering) {
    inRecovery = recovering;
  }

  /** A side connection to it that takes only the server itself, as a tracker's does. */
  public SideConnection side(String query) {
    return side(query, false);
  }

  /**
   * A side connection to it that takes the server itself, or, if {@code standIns}, another primary of its cluster
   * when it cannot be found (as position reads do).
   */
  public SideConnection side(String query, boolean standIns) {
    return new SideConnection("fake:5432", routes(), (seen, recovering) -> {
      if (seen.equals(identity)) {
        return SideConnection.Verdict.THE_SERVER;
      }
      return standIns && !recovering && seen.systemIdentifier() == identity.systemIdentifier()
          ? SideConnection.Verdict.STAND_IN : SideConnection.Verdict.OTHER;
    }, query, java.time.Duration.ofSeconds(5));
  }

  public ServerRoutes routes() {
    return ServerRoutes.of(List.of(new ServerRoutes.Route("fake:5432", 1, this::open)));
  }

  private Connection open() throws SQLException {
    if (connectFailures.get() > 0) {
      connectFailures.decrementAndGet();
      throw new SQLException("connection refused", "08001");
    }
    opened.incrementAndGet();
    Connection connection = mock(Connection.class);
    Statement who = mock(Statement.class);
    when(connection.createStatement()).thenReturn(who);
    when(who.executeQuery(anyString())).thenAnswer(call -> whoRow());
    AtomicReference<ResultSet> last = new AtomicReference<>();
    when(who.execute(anyString())).thenAnswer(call -> {
      last.set(plain.answer(call.getArgument(0)));
      return false; // WAIT FOR's own row is not read
    });
    when(who.getMoreResults()).thenAnswer(call -> last.get() != null);
    when(who.getResultSet()).thenAnswer(call -> last.get());
    PreparedStatement prepared = mock(PreparedStatement.class);
    when(connection.prepareStatement(anyString())).thenReturn(prepared);
    when(prepared.executeQuery()).thenAnswer(call -> {
      if (failNext) {
        failNext = false;
        throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
      }
      return answer.call();
    });
    doAnswer(call -> {
      whenClosing.run();
      return closed.incrementAndGet();
    }).when(connection).close();
    return connection;
  }

  private ResultSet whoRow() throws SQLException {
    ServerIdentity seen = reports;
    ResultSet row = mock(ResultSet.class);
    when(row.next()).thenReturn(true);
    when(row.getLong(1)).thenReturn(seen.systemIdentifier());
    when(row.getLong(2)).thenReturn(seen.startMicros());
    when(row.getLong(3)).thenReturn(seen.resetMicros());
    when(row.getBoolean(4)).thenReturn(inRecovery);
    return row;
  }
}

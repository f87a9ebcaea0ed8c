package dev.lsnwait;

import dev.lsnwait.internal.proxy.ProxyConnection;
import dev.lsnwait.internal.replica.BorrowGate;
import dev.lsnwait.internal.replica.ReadGate;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Wraps a {@link DataSource} of {@code jdbc:lsnwait:} connections (a {@code HikariDataSource}, say) so that, on a
 * replica, a thread waits for its token <em>before</em> it borrows a connection: a waiting request holds no pooled
 * connection. The connection still checks at statement time, which then costs a compare.
 *
 * <p>It learns the servers from the connections it hands out; until then, and for a primary, it only passes
 * through. Behind a load-balanced address it waits until one of the servers it learned has replayed the token, since
 * it cannot know which one the next connection reaches; the statement-time check covers the rest. Everything else is
 * the wrapped data source's.
 */
public final class LsnWaitDataSource implements DataSource {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait");

  private final DataSource delegate;
  private final BorrowGate gate = new BorrowGate();
  private volatile boolean warned;

  public LsnWaitDataSource(DataSource delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public Connection getConnection() throws SQLException {
    awaitBeforeBorrowing();
    return learnFrom(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    awaitBeforeBorrowing();
    return learnFrom(delegate.getConnection(username, password));
  }

  private void awaitBeforeBorrowing() throws SQLException {
    gate.await();
  }

  private Connection learnFrom(Connection connection) throws SQLException {
    try {
      if (connection.isWrapperFor(ProxyConnection.class)) {
        ReadGate readGate = connection.unwrap(ProxyConnection.class).readGate();
        if (readGate != null) {
          gate.learn(readGate);
        }
      } else if (!warned) {
        warned = true;
        LOG.log(
            System.Logger.Level.WARNING,
            "lsnwait: LsnWaitDataSource wraps a data source whose connections are not jdbc:lsnwait: ones;"
                + " it will only pass through");
      }
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  /** The wrapped data source. */
  public DataSource getDelegate() {
    return delegate;
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    if (type.isInstance(delegate)) {
      return type.cast(delegate);
    }
    return delegate.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || type.isInstance(delegate) || delegate.isWrapperFor(type);
  }

  @Override
  public String toString() {
    return "LsnWaitDataSource wrapping " + delegate;
  }
}

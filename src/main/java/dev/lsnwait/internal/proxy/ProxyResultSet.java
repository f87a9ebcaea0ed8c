package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The result set proxy: {@code getStatement()} and unwrapping return the proxies; the row changes of an updatable
 * result set are writes (pgjdbc runs them on its own), and {@code refreshRow()} reads again.
 */
public abstract class ProxyResultSet implements ResultSet {

  protected final ProxyConnection connection;
  protected final Statement statement;
  protected final ResultSet delegate;

  protected ProxyResultSet(ProxyConnection connection, Statement statement, ResultSet delegate) {
    this.connection = connection;
    this.statement = statement;
    this.delegate = delegate;
  }

  @Override
  public final Statement getStatement() {
    return statement;
  }

  @Override
  public final void insertRow() throws SQLException {
    connection.run(SqlEffect.WRITE, () -> {
      delegate.insertRow();
      return null;
    });
  }

  @Override
  public final void updateRow() throws SQLException {
    connection.run(SqlEffect.WRITE, () -> {
      delegate.updateRow();
      return null;
    });
  }

  @Override
  public final void deleteRow() throws SQLException {
    connection.run(SqlEffect.WRITE, () -> {
      delegate.deleteRow();
      return null;
    });
  }

  @Override
  public final void refreshRow() throws SQLException {
    connection.beforeExecute(SqlEffect.READ, false);
    delegate.refreshRow();
  }

  @Override
  public final <T> T unwrap(Class<T> type) throws SQLException {
    return Wrappers.unwrap(this, delegate, type);
  }

  @Override
  public final boolean isWrapperFor(Class<?> type) throws SQLException {
    return Wrappers.isWrapperFor(this, delegate, type);
  }

  @Override
  public final String toString() {
    return delegate.toString();
  }
}

package dev.lsnwait.internal.proxy;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The result set proxy: only {@code getStatement()} and unwrapping are its own, so they return the proxies. */
public abstract class ProxyResultSet implements ResultSet {

  protected final Statement statement;
  protected final ResultSet delegate;

  protected ProxyResultSet(Statement statement, ResultSet delegate) {
    this.statement = statement;
    this.delegate = delegate;
  }

  @Override
  public final Statement getStatement() {
    return statement;
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
    return "lsnwait result set wrapping " + delegate;
  }
}

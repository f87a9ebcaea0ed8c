package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.proxy.Wrappers;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A result set of a routing statement: {@code getStatement()} is the routing statement; everything else is the
 * result set of the server that ran it (an lsnwait proxy, so updatable rows still record commits).
 */
public abstract class RoutingResultSet implements ResultSet {

  protected final RoutingStatement statement;
  protected final ResultSet delegate;

  protected RoutingResultSet(RoutingStatement statement, ResultSet delegate) {
    this.statement = statement;
    this.delegate = delegate;
  }

  @Override
  public final Statement getStatement() throws SQLException {
    delegate.getStatement(); // throws as pgjdbc does once closed
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
    return "lsnwait routing result set wrapping " + delegate;
  }
}

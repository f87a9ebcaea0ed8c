package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.proxy.Wrappers;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;

/** The metadata of a routing connection: the primary's, with {@code getConnection()} the routing connection. */
public abstract class RoutingDatabaseMetaData implements DatabaseMetaData {

  protected final RoutingConnection connection;
  protected final DatabaseMetaData delegate;

  protected RoutingDatabaseMetaData(RoutingConnection connection, DatabaseMetaData delegate) {
    this.connection = connection;
    this.delegate = delegate;
  }

  @Override
  public final Connection getConnection() {
    return connection;
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
    return "lsnwait routing metadata wrapping " + delegate;
  }
}

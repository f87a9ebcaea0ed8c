package dev.lsnwait.internal.proxy;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The hand-written part of the prepared statement proxy: its own execute methods run the hooks too. */
public abstract class ProxyPreparedStatement extends ProxyStatement implements PreparedStatement {

  protected final PreparedStatement prepared;

  protected ProxyPreparedStatement(ProxyConnection connection, PreparedStatement delegate) {
    super(connection, delegate);
    this.prepared = delegate;
  }

  @Override
  public final ResultSet executeQuery() throws SQLException {
    connection.beforeExecute();
    ResultSet result = prepared.executeQuery();
    connection.afterExecute();
    return wrapResultSet(result);
  }

  @Override
  public final boolean execute() throws SQLException {
    connection.beforeExecute();
    boolean result = prepared.execute();
    connection.afterExecute();
    return result;
  }

  @Override
  public final int executeUpdate() throws SQLException {
    connection.beforeExecute();
    int result = prepared.executeUpdate();
    connection.afterExecute();
    return result;
  }

  @Override
  public final long executeLargeUpdate() throws SQLException {
    connection.beforeExecute();
    long result = prepared.executeLargeUpdate();
    connection.afterExecute();
    return result;
  }
}

package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The metadata proxy: its queries read the catalog, so on a replica they wait like statements; {@code getURL()} is
 * the URL the application opened the connection with; {@code getConnection()} and the statements behind its result
 * sets are the proxies.
 */
public abstract class ProxyDatabaseMetaData implements DatabaseMetaData {

  protected final ProxyConnection connection;
  protected final DatabaseMetaData delegate;

  protected ProxyDatabaseMetaData(ProxyConnection connection, DatabaseMetaData delegate) {
    this.connection = connection;
    this.delegate = delegate;
  }

  /** Called by the generated metadata queries before they run. */
  protected final void beforeMetadataQuery() throws SQLException {
    connection.beforeExecute(SqlEffect.READ, false);
  }

  /** Wraps a metadata result set; its statement, if pgjdbc gives one, is wrapped too. */
  protected final ResultSet wrapResultSet(ResultSet resultSet) throws SQLException {
    if (resultSet == null) {
      return null;
    }
    Statement statement = resultSet.getStatement();
    ProxyStatement wrapped = statement == null ? null : ProxyFactory.statement(connection, statement);
    return ProxyFactory.resultSet(connection, wrapped, resultSet);
  }

  @Override
  public final Connection getConnection() {
    return connection;
  }

  /** The {@code jdbc:lsnwait:} URL, so code that opens another connection from it stays with lsnwait. */
  @Override
  public final String getURL() {
    return connection.url();
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
    return "lsnwait metadata wrapping " + delegate;
  }
}

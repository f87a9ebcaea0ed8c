package dev.lsnwait.internal.routing;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The session side of a routing connection: state the application sets applies to every open member (and to
 * members opened later), getters answer from that state, and the lifecycle ({@code close}, {@code abort},
 * {@code isValid}) covers every member.
 */
public abstract class RoutingSession implements LsnWaitConnection {

  /** Something to do on one member. */
  @FunctionalInterface
  interface MemberAction {
    void apply(ProxyConnection member) throws SQLException;
  }

  final Members members;
  final Router router;
  final SessionState state;
  private volatile boolean closed;

  RoutingSession(Members members) throws SQLException {
    this.members = members;
    this.state = SessionState.of(members.primary());
    this.router = new Router(members, members.settings().replicaWait(), members.settings().timeout());
  }

  /** The member running the open transaction, or null. */
  abstract ProxyConnection pinnedOrNull();

  /** The transaction may have ended: if it did, the next statement is placed afresh. */
  abstract void endTransaction() throws SQLException;

  final void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLException("This connection has been closed.", "08003");
    }
  }

  /**
   * Applies {@code action} to every open member, the transaction's first; the first failure is thrown. A replica
   * member (not the transaction's) whose connection broke (SQLSTATE class 08) is dropped, as when a statement finds
   * it broken, and reopened later with the session's state: a replica's absence never fails the session.
   */
  private void applyToAll(MemberAction action) throws SQLException {
    checkOpen();
    ProxyConnection pinned = pinnedOrNull();
    if (pinned != null) {
      action.apply(pinned); // fails as pgjdbc does mid-transaction, before anything else changed
    }
    SQLException failure = null;
    for (ProxyConnection member : members.open()) {
      if (member != pinned) {
        try {
          action.apply(member);
        } catch (SQLException e) {
          if (members.isReplica(member) && e.getSQLState() != null && e.getSQLState().startsWith("08")) {
            members.dropBroken(member, e.getMessage());
          } else {
            failure = failure == null ? e : failure;
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** {@link #applyToAll} for client info, whose setters may throw only {@link SQLClientInfoException}. */
  private void applyClientInfoToAll(MemberAction action) throws SQLClientInfoException {
    try {
      applyToAll(action);
    } catch (SQLClientInfoException e) {
      throw e;
    } catch (SQLException e) {
      throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), Map.of(), e);
    }
  }

  @Override
  public final void setAutoCommit(boolean autoCommit) throws SQLException {
    applyToAll(member -> member.setAutoCommit(autoCommit)); // on: commits the open transaction, as JDBC says
    if (autoCommit) {
      endTransaction();
    }
    state.autoCommit = autoCommit;
  }

  @Override
  public final boolean getAutoCommit() throws SQLException {
    checkOpen();
    return state.autoCommit;
  }

  @Override
  public final void setReadOnly(boolean readOnly) throws SQLException {
    applyToAll(member -> member.setReadOnly(readOnly));
    state.readOnly = readOnly;
  }

  @Override
  public final boolean isReadOnly() throws SQLException {
    checkOpen();
    return state.readOnly;
  }

  @Override
  public final void setTransactionIsolation(int level) throws SQLException {
    applyToAll(member -> member.setTransactionIsolation(level));
    state.isolation = level;
  }

  @Override
  public final int getTransactionIsolation() throws SQLException {
    checkOpen();
    return state.isolation;
  }

  @Override
  public final void setHoldability(int holdability) throws SQLException {
    applyToAll(member -> member.setHoldability(holdability));
    state.holdability = holdability;
  }

  @Override
  public final int getHoldability() throws SQLException {
    checkOpen();
    return state.holdability;
  }

  /**
   * pgjdbc sets the schema with a statement, which opens a transaction when auto-commit is off: members that run no
   * transaction take it in auto-commit, so that none is left idle in a transaction nobody ends.
   */
  @Override
  public final void setSchema(String schema) throws SQLException {
    ProxyConnection pinned = pinnedOrNull();
    applyToAll(member -> {
      if (member == pinned || member.getAutoCommit()) {
        member.setSchema(schema);
        return;
      }
      member.setAutoCommit(true);
      try {
        member.setSchema(schema);
      } finally {
        member.setAutoCommit(false);
      }
    });
    state.schema = schema;
  }

  @Override
  public final String getSchema() throws SQLException {
    checkOpen();
    return state.schema != null ? state.schema : members.primary().getSchema();
  }

  @Override
  public final void setCatalog(String catalog) throws SQLException {
    applyToAll(member -> member.setCatalog(catalog));
    state.catalog = catalog;
  }

  @Override
  public final String getCatalog() throws SQLException {
    checkOpen();
    return state.catalog;
  }

  @Override
  public final void setClientInfo(String name, String value) throws SQLClientInfoException {
    applyClientInfoToAll(member -> member.setClientInfo(name, value));
    if (value == null) {
      state.clientInfo.remove(name);
    } else {
      state.clientInfo.setProperty(name, value);
    }
  }

  @Override
  public final void setClientInfo(Properties properties) throws SQLClientInfoException {
    applyClientInfoToAll(member -> member.setClientInfo(properties));
    state.clientInfo.clear();
    state.clientInfo.putAll(properties);
  }

  @Override
  public final String getClientInfo(String name) throws SQLException {
    checkOpen();
    return members.primary().getClientInfo(name);
  }

  @Override
  public final Properties getClientInfo() throws SQLException {
    checkOpen();
    return members.primary().getClientInfo();
  }

  @Override
  public final void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
    applyToAll(member -> member.setNetworkTimeout(executor, milliseconds));
    state.networkExecutor = executor;
    state.networkTimeout = milliseconds;
  }

  @Override
  public final int getNetworkTimeout() throws SQLException {
    checkOpen();
    return state.networkTimeout;
  }

  @Override
  public final void setTypeMap(Map<String, Class<?>> map) throws SQLException {
    applyToAll(member -> member.setTypeMap(map));
    state.typeMap = map;
  }

  @Override
  public final Map<String, Class<?>> getTypeMap() throws SQLException {
    checkOpen();
    return members.primary().getTypeMap();
  }

  // ---- lifecycle

  @Override
  public final boolean isValid(int timeoutSeconds) throws SQLException {
    if (timeoutSeconds < 0) {
      throw new SQLException("Invalid timeout (" + timeoutSeconds + "<0).", "22023");
    }
    return !closed && members.primary().isValid(timeoutSeconds); // a replica that fails is skipped, not fatal
  }

  @Override
  public final boolean isClosed() {
    return closed;
  }

  @Override
  public final void close() throws SQLException {
    if (!closed) {
      closed = true;
      members.close(); // pgjdbc rolls back what was open
    }
  }

  @Override
  public final void abort(Executor executor) throws SQLException {
    if (executor == null) {
      throw new SQLException("executor is null", "22023");
    }
    if (!closed) {
      closed = true;
      members.abort(executor);
    }
  }

  // ---- Wrapper: lsnwait's interfaces here; pgjdbc's API is the primary's

  @Override
  public final <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(this) ? type.cast(this) : members.primary().unwrap(type);
  }

  @Override
  public final boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || members.primary().isWrapperFor(type);
  }
}

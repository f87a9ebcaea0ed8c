package dev.lsnwait.internal.routing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The session state a routing connection promises the application, whichever server runs its statements: set on
 * every open member when it changes, and on a member when it opens. Getters answer from here.
 */
final class SessionState {

  boolean autoCommit;
  boolean readOnly;
  int isolation;
  int holdability;
  String schema; // null: the server's default, not changed
  String catalog; // pgjdbc ignores it; kept for getCatalog()
  final Properties clientInfo = new Properties();
  Executor networkExecutor; // null: never set
  int networkTimeout;
  Map<String, Class<?>> typeMap; // null: never set

  /** The state of a freshly opened connection (the primary's). */
  static SessionState of(Connection connection) throws SQLException {
    SessionState state = new SessionState();
    state.autoCommit = connection.getAutoCommit();
    state.readOnly = connection.isReadOnly();
    state.isolation = connection.getTransactionIsolation();
    state.holdability = connection.getHoldability();
    state.catalog = connection.getCatalog();
    state.networkTimeout = connection.getNetworkTimeout();
    return state;
  }

  /**
   * Brings a newly opened member to this state. Auto-commit comes last: with it off, pgjdbc would open a
   * transaction for {@code SET search_path} and leave the member idle in it.
   */
  void applyTo(Connection member) throws SQLException {
    if (member.isReadOnly() != readOnly) {
      member.setReadOnly(readOnly);
    }
    if (member.getTransactionIsolation() != isolation) {
      member.setTransactionIsolation(isolation);
    }
    if (member.getHoldability() != holdability) {
      member.setHoldability(holdability);
    }
    if (schema != null && !Objects.equals(member.getSchema(), schema)) {
      member.setSchema(schema);
    }
    if (!clientInfo.isEmpty()) {
      member.setClientInfo(clientInfo);
    }
    if (networkExecutor != null) {
      member.setNetworkTimeout(networkExecutor, networkTimeout);
    }
    if (typeMap != null) {
      member.setTypeMap(typeMap);
    }
    if (member.getAutoCommit() != autoCommit) {
      member.setAutoCommit(autoCommit);
    }
  }
}

package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.CallableStatement;
import java.sql.SQLException;

/**
 * A callable statement of a routing connection. Its OUT parameters are read from the server that ran it, so it stays
 * on the member it was placed on when prepared (the transaction's, or a new placement).
 */
public abstract class RoutingCallableStatement extends RoutingPreparedStatement implements CallableStatement {

  private final ProxyConnection member;

  protected RoutingCallableStatement(
      RoutingConnection connection, Opener opener, SqlEffect effect, ProxyConnection member) {
    super(connection, opener, effect);
    this.member = member;
  }

  /** The statement that answers now, for the generated methods. */
  protected final CallableStatement callableTarget() throws SQLException {
    checkOpen();
    return (CallableStatement) bind(member);
  }

  /** A callable statement is bound when it is made. */
  protected final CallableStatement recordingCallableTarget() throws SQLException {
    return callableTarget();
  }

  @Override
  ProxyConnection placement(SqlEffect effect) {
    return member;
  }
}

package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.CallableStatement;

/** The callable statement proxy: its executes are the prepared statement's; the rest is generated. */
public abstract class ProxyCallableStatement extends ProxyPreparedStatement implements CallableStatement {

  protected final CallableStatement callable;

  protected ProxyCallableStatement(ProxyConnection connection, CallableStatement delegate, SqlEffect effect) {
    super(connection, delegate, effect);
    this.callable = delegate;
  }
}

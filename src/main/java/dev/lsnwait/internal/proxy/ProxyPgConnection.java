package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.Consistency;
import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;
import org.postgresql.fastpath.Fastpath;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * pgjdbc's own API on the connection proxy, so {@code unwrap(PGConnection.class)} keeps the hooks: COPY goes through
 * {@link LsnWaitCopyManager} (COPY FROM writes, COPY TO waits on a replica), large objects wait on a replica and
 * count as a write of the transaction on a primary. Everything else of {@link PGConnection} is generated to pass
 * through.
 */
public abstract class ProxyPgConnection extends ProxyConnection implements PGConnection {

  protected ProxyPgConnection(Connection delegate, BaseConnection pg, Consistency consistency) {
    super(delegate, pg, consistency);
  }

  @Override
  public final CopyManager getCopyAPI() throws SQLException {
    return new LsnWaitCopyManager(this, pg);
  }

  @Override
  public final LargeObjectManager getLargeObjectAPI() throws SQLException {
    beforeUnseenWork();
    largeObjectsHandedOut();
    return pg.getLargeObjectAPI();
  }

  @Override
  @SuppressWarnings("deprecation")
  public final Fastpath getFastpathAPI() throws SQLException {
    beforeUnseenWork();
    return pg.getFastpathAPI();
  }

  @Override
  @SuppressWarnings("deprecation")
  public final void alterUserPassword(String user, char[] newPassword, String encryptionType) throws SQLException {
    run(SqlEffect.WRITE, () -> {
      pg.alterUserPassword(user, newPassword, encryptionType);
      return null;
    });
  }
}

package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.sql.SQLException;
import org.postgresql.copy.CopyDual;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;
import org.postgresql.core.BaseConnection;
import org.postgresql.util.ByteStreamWriter;

/**
 * pgjdbc's COPY API with the read-your-writes hooks: COPY TO waits on a replica first; COPY FROM counts as a write,
 * and ends with the same commit check as a statement. Every public method of {@link CopyManager} is overridden (a
 * test checks it), so a new one in a future pgjdbc is noticed.
 */
final class LsnWaitCopyManager extends CopyManager {

  private final ProxyConnection connection;

  LsnWaitCopyManager(ProxyConnection connection, BaseConnection pg) throws SQLException {
    super(pg);
    this.connection = connection;
  }

  @Override
  public CopyIn copyIn(String sql) throws SQLException {
    connection.beforeExecute(SqlEffect.WRITE);
    try {
      return new HookedCopy(connection, super.copyIn(sql));
    } catch (SQLException | RuntimeException e) {
      connection.afterExecute(SqlEffect.WRITE);
      throw e;
    }
  }

  @Override
  public CopyOut copyOut(String sql) throws SQLException {
    SqlEffect effect = connection.classify(sql); // on a replica: a read
    if (!effect.mayWrite()) {
      connection.beforeExecute(SqlEffect.READ, false);
      return super.copyOut(sql);
    }
    connection.beforeExecute(effect); // COPY (DELETE ... RETURNING *) TO: a write, whose commit makes a token
    try {
      return new HookedCopyOut(connection, effect, super.copyOut(sql));
    } catch (SQLException | RuntimeException e) {
      connection.afterExecute(effect);
      throw e;
    }
  }

  @Override
  public CopyDual copyDual(String sql) throws SQLException {
    connection.beforeExecute(SqlEffect.WRITE);
    try {
      return new HookedCopy.Dual(connection, super.copyDual(sql));
    } catch (SQLException | RuntimeException e) {
      connection.afterExecute(SqlEffect.WRITE);
      throw e;
    }
  }

  // The rest run through the three above (pgjdbc's implementation calls them).

  @Override
  public long copyOut(String sql, Writer to) throws SQLException, IOException {
    return super.copyOut(sql, to);
  }

  @Override
  public long copyOut(String sql, OutputStream to) throws SQLException, IOException {
    return super.copyOut(sql, to);
  }

  @Override
  public long copyIn(String sql, Reader from) throws SQLException, IOException {
    return super.copyIn(sql, from);
  }

  @Override
  public long copyIn(String sql, Reader from, int bufferSize) throws SQLException, IOException {
    return super.copyIn(sql, from, bufferSize);
  }

  @Override
  public long copyIn(String sql, InputStream from) throws SQLException, IOException {
    return super.copyIn(sql, from);
  }

  @Override
  public long copyIn(String sql, InputStream from, int bufferSize) throws SQLException, IOException {
    return super.copyIn(sql, from, bufferSize);
  }

  @Override
  public long copyIn(String sql, ByteStreamWriter from) throws SQLException, IOException {
    return super.copyIn(sql, from);
  }
}

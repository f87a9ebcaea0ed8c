package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.SQLException;
import org.postgresql.copy.CopyOut;

/**
 * A COPY (query) TO whose query may write ({@code COPY (DELETE ... RETURNING *) TO STDOUT}): when it ends (its last
 * row read, or cancelled), the connection checks for a commit, as after a statement.
 */
final class HookedCopyOut implements CopyOut {

  private final ProxyConnection connection;
  private final SqlEffect effect;
  private final CopyOut out;
  private boolean ended;

  HookedCopyOut(ProxyConnection connection, SqlEffect effect, CopyOut out) {
    this.connection = connection;
    this.effect = effect;
    this.out = out;
  }

  private void end() {
    if (!ended) {
      ended = true;
      connection.afterExecute(effect);
    }
  }

  private byte[] endingAtNull(byte[] row) {
    if (row == null && !out.isActive()) {
      end(); // the server said CopyDone: the statement, and in auto-commit its transaction, is over
    }
    return row;
  }

  @Override
  public byte[] readFromCopy() throws SQLException {
    try {
      return endingAtNull(out.readFromCopy());
    } catch (SQLException | RuntimeException e) {
      end();
      throw e;
    }
  }

  @Override
  public byte[] readFromCopy(boolean block) throws SQLException {
    try {
      return endingAtNull(out.readFromCopy(block));
    } catch (SQLException | RuntimeException e) {
      end();
      throw e;
    }
  }

  @Override
  public void cancelCopy() throws SQLException {
    try {
      out.cancelCopy();
    } finally {
      end();
    }
  }

  @Override
  public int getFieldCount() {
    return out.getFieldCount();
  }

  @Override
  public int getFormat() {
    return out.getFormat();
  }

  @Override
  public int getFieldFormat(int field) {
    return out.getFieldFormat(field);
  }

  @Override
  public boolean isActive() {
    return out.isActive();
  }

  @Override
  public long getHandledRowCount() {
    return out.getHandledRowCount();
  }
}

package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.SQLException;
import org.postgresql.copy.CopyOut;

/**
 * A COPY (query) TO whose query may write ({@code COPY (DELETE ... RETURNING *) TO STDOUT}): when it ends (its last
 * row read, or cancelled), the connection checks for a commit, as after a statement.
 */
final class HookedCopyOut extends HookedCopyOperation implements CopyOut {

  private final CopyOut out;

  HookedCopyOut(ProxyConnection connection, SqlEffect effect, CopyOut out) {
    super(connection, effect, out);
    this.out = out;
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
}

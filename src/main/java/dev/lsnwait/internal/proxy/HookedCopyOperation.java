package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.SQLException;
import org.postgresql.copy.CopyOperation;

/**
 * A COPY under way that may write: when it ends (done or cancelled), the connection checks for a commit with its
 * effect, once, as after a statement. The rest of pgjdbc's {@link CopyOperation} passes through.
 */
abstract class HookedCopyOperation implements CopyOperation {

  private final ProxyConnection connection;
  private final SqlEffect effect;
  private final CopyOperation operation;
  private boolean ended;

  HookedCopyOperation(ProxyConnection connection, SqlEffect effect, CopyOperation operation) {
    this.connection = connection;
    this.effect = effect;
    this.operation = operation;
  }

  /** The COPY ended: the after-hook runs, once. */
  final void end() {
    if (!ended) {
      ended = true;
      connection.afterExecute(effect);
    }
  }

  @Override
  public final void cancelCopy() throws SQLException {
    try {
      operation.cancelCopy();
    } finally {
      end();
    }
  }

  @Override
  public final int getFieldCount() {
    return operation.getFieldCount();
  }

  @Override
  public final int getFormat() {
    return operation.getFormat();
  }

  @Override
  public final int getFieldFormat(int field) {
    return operation.getFieldFormat(field);
  }

  @Override
  public final boolean isActive() {
    return operation.isActive();
  }

  @Override
  public final long getHandledRowCount() {
    return operation.getHandledRowCount();
  }
}

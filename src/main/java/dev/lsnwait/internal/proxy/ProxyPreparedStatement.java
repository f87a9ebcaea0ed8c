package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The hand-written part of the prepared statement proxy: its own execute methods run the hooks too. */
public abstract class ProxyPreparedStatement extends ProxyStatement implements PreparedStatement {

  protected final PreparedStatement prepared;
  private final SqlEffect effect;
  private boolean batched;

  /** @param effect what its SQL may do, classified once when it was prepared */
  protected ProxyPreparedStatement(ProxyConnection connection, PreparedStatement delegate, SqlEffect effect) {
    super(connection, delegate);
    this.prepared = delegate;
    this.effect = effect;
  }

  @Override
  SqlEffect batchEffect() {
    SqlEffect added = batched ? effect : SqlEffect.READ;
    batched = false;
    return added.and(super.batchEffect());
  }

  @Override
  public final void addBatch() throws SQLException {
    prepared.addBatch();
    batched = true;
  }

  @Override
  public final ResultSet executeQuery() throws SQLException {
    return wrapResultSet(run(effect, prepared::executeQuery));
  }

  @Override
  public final boolean execute() throws SQLException {
    return run(effect, prepared::execute);
  }

  @Override
  public final int executeUpdate() throws SQLException {
    return run(effect, prepared::executeUpdate);
  }

  @Override
  public final long executeLargeUpdate() throws SQLException {
    return run(effect, prepared::executeLargeUpdate);
  }
}

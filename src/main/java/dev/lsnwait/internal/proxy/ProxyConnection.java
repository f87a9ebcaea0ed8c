package dev.lsnwait.internal.proxy;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.Consistency;
import dev.lsnwait.internal.primary.CommitRecorder;
import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.replica.ReadGate;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The hand-written JDBC part of the connection proxy: statements and metadata come back wrapped, commits of work
 * that may have written record a token on a primary, statements wait on a replica. {@link ProxyPgConnection} adds
 * pgjdbc's own API; the build generates the subclass that passes every other method through (see
 * {@code ProxyGenerator}).
 */
public abstract class ProxyConnection implements LsnWaitConnection {

  protected final Connection delegate;
  protected final BaseConnection pg;
  private final Consistency consistency;
  private final CommitRecorder commits;
  private final ReadGate readGate;
  private int isolation;

  protected ProxyConnection(Connection delegate, BaseConnection pg, Consistency consistency) {
    this.delegate = delegate;
    this.pg = pg;
    this.consistency = consistency;
    this.commits = consistency.commits();
    this.readGate = consistency.readGate();
    this.isolation = consistency.defaultIsolation();
  }

  // ---- the read-your-writes hooks, called by the statement, result set and metadata proxies

  /** What {@code sql} may do (on a primary; a replica records nothing, so it does not ask). */
  final SqlEffect classify(String sql) {
    return commits != null ? commits.classify(sql) : SqlEffect.READ;
  }

  /**
   * What {@code sql} may do, as a routing connection asks its primary before it places work: on a connection that
   * turned out not to be a primary, anything may write.
   */
  public final SqlEffect effectOf(String sql) {
    return commits != null ? commits.placementEffectOf(sql) : SqlEffect.WRITE;
  }

  /** The custom settings that functions setting the session name (a primary's catalog), for copying settings. */
  public final Set<String> customSettingNames() {
    return commits != null ? commits.customSettings() : Set.of();
  }

  /** Before work runs: on a replica, wait unless the snapshot is already fixed; on a primary, note a write. */
  final void beforeExecute(SqlEffect effect) throws SQLException {
    beforeExecute(effect, true);
  }

  /** As above; {@code statementFollows} is false for work with no after-hook (its end is not seen). */
  final void beforeExecute(SqlEffect effect, boolean statementFollows) throws SQLException {
    if (readGate != null && !snapshotFixed()) {
      readGate.awaitCausality(statementFollows);
    }
    if (commits != null) {
      commits.before(effect);
    }
  }

  /** After work returned or threw: on a primary, a commit of work that may have written records a token. */
  final void afterExecute(SqlEffect effect) {
    if (readGate != null) {
      readGate.statementDone();
    }
    if (commits != null) {
      commits.after(effect);
    }
  }

  /** Runs {@code work} between the hooks; the after-hook runs even if it throws (it may have committed). */
  final <T> T run(SqlEffect effect, Work<T> work) throws SQLException {
    beforeExecute(effect);
    try {
      return work.run();
    } finally {
      afterExecute(effect);
    }
  }

  /** Work lsnwait cannot see, through pgjdbc's own API: a replica waits first, a primary counts it as a write. */
  final void beforeUnseenWork() throws SQLException {
    beforeExecute(SqlEffect.READ, false);
    if (commits != null) {
      commits.mayHaveWritten();
    }
  }

  /**
   * Whether the server holds a transaction open on this connection, whatever opened it (pgjdbc, or {@code BEGIN}
   * sent as SQL): pgjdbc reads it from each reply, so it is exact after every statement, without a round trip. A
   * closed connection holds none.
   */
  public final boolean inTransaction() throws SQLException {
    return !delegate.isClosed() && pg.getTransactionState() != TransactionState.IDLE;
  }

  /** pgjdbc's large-object API was given out: on a primary, every later transaction of this connection may write. */
  final void largeObjectsHandedOut() {
    if (commits != null) {
      commits.largeObjectsHandedOut();
    }
  }

  /** Under REPEATABLE READ or SERIALIZABLE the first statement of a transaction fixes what it can see. */
  private boolean snapshotFixed() throws SQLException {
    return isolation >= TRANSACTION_REPEATABLE_READ
        && pg.getTransactionState() != TransactionState.IDLE
        && !delegate.getAutoCommit();
  }

  // ---- transaction boundaries

  @Override
  public final void commit() throws SQLException {
    if (commits == null) {
      delegate.commit();
    } else {
      commits.commit(delegate::commit); // asks the server, in the same round trip, whether the transaction wrote
    }
  }

  @Override
  public final void setAutoCommit(boolean autoCommit) throws SQLException {
    if (autoCommit && commits != null && !delegate.getAutoCommit()) {
      commits.commit(() -> delegate.setAutoCommit(true)); // JDBC: switching auto-commit on commits
    }
    delegate.setAutoCommit(autoCommit);
  }

  @Override
  public final void rollback() throws SQLException {
    delegate.rollback();
    if (commits != null) {
      commits.rolledBack();
    }
  }

  @Override
  public final void rollback(Savepoint savepoint) throws SQLException {
    delegate.rollback(savepoint); // the transaction goes on, with what it may have written before
  }

  @Override
  public final void setTransactionIsolation(int level) throws SQLException {
    delegate.setTransactionIsolation(level);
    isolation = level;
  }

  // ---- wrapped children

  @Override
  public final Statement createStatement() throws SQLException {
    return ProxyFactory.statement(this, delegate.createStatement());
  }

  @Override
  public final Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
    return ProxyFactory.statement(this, delegate.createStatement(resultSetType, resultSetConcurrency));
  }

  @Override
  public final Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    return ProxyFactory.statement(
        this, delegate.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql) throws SQLException {
    return ProxyFactory.preparedStatement(this, delegate.prepareStatement(sql), classify(sql));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    return ProxyFactory.preparedStatement(this, delegate.prepareStatement(sql, autoGeneratedKeys), classify(sql));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
    return ProxyFactory.preparedStatement(this, delegate.prepareStatement(sql, columnIndexes), classify(sql));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
    return ProxyFactory.preparedStatement(this, delegate.prepareStatement(sql, columnNames), classify(sql));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    return ProxyFactory.preparedStatement(
        this, delegate.prepareStatement(sql, resultSetType, resultSetConcurrency), classify(sql));
  }

  @Override
  public final PreparedStatement prepareStatement(
      String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    return ProxyFactory.preparedStatement(
        this, delegate.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability),
        classify(sql));
  }

  @Override
  public final CallableStatement prepareCall(String sql) throws SQLException {
    return ProxyFactory.callableStatement(this, delegate.prepareCall(sql), classify(sql));
  }

  @Override
  public final CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    return ProxyFactory.callableStatement(
        this, delegate.prepareCall(sql, resultSetType, resultSetConcurrency), classify(sql));
  }

  @Override
  public final CallableStatement prepareCall(
      String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    return ProxyFactory.callableStatement(
        this, delegate.prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability), classify(sql));
  }

  @Override
  public final DatabaseMetaData getMetaData() throws SQLException {
    return ProxyFactory.databaseMetaData(this, delegate.getMetaData());
  }

  /** The URL the application opened this connection with, {@code jdbc:lsnwait:} prefix and settings included. */
  final String url() {
    return consistency.url();
  }

  // ---- LsnWaitConnection and Wrapper

  @Override
  public final Role role() {
    return consistency.role();
  }

  @Override
  public final long systemIdentifier() {
    return consistency.systemIdentifier();
  }

  @Override
  public final Optional<ReplicaTracker> replicaTracker() {
    return Optional.ofNullable(readGate).map(gate -> gate.server().tracker());
  }

  @Override
  public final void markWritten() {
    if (commits != null) {
      commits.mayHaveWritten();
      commits.after(SqlEffect.READ); // outside a transaction this is the commit
    }
  }

  /** The replica gate, for {@code LsnWaitDataSource} to learn the server; null on a primary. */
  public final ReadGate readGate() {
    return readGate;
  }

  @Override
  public final <T> T unwrap(Class<T> type) throws SQLException {
    return Wrappers.unwrap(this, delegate, type);
  }

  @Override
  public final boolean isWrapperFor(Class<?> type) throws SQLException {
    return Wrappers.isWrapperFor(this, delegate, type);
  }

  @Override
  public final String toString() {
    return "lsnwait " + consistency.role().name().toLowerCase(Locale.ROOT) + " connection wrapping " + delegate;
  }
}

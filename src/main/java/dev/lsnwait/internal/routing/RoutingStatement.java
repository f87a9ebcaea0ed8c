package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.Jdbc;
import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGStatement;

/**
 * A statement of a routing connection. It runs on the server its connection places each execution on: it keeps one
 * statement on the member it last ran on and, when an execution goes elsewhere, opens the counterpart there and
 * makes the recorded setter calls again (options, pgjdbc's {@link PGStatement} ones too; parameters and batches in
 * {@link RoutingPreparedStatement}).
 * A read on a replica that breaks before anything of its transaction ran there runs again on the primary.
 * The build generates the subclass that passes every other method to the current statement.
 */
public abstract class RoutingStatement implements Statement, PGStatement {

  /** Opens this statement's counterpart on a member. */
  @FunctionalInterface
  interface Opener {
    Statement open(ProxyConnection member) throws SQLException;
  }

  /** One execution on a member's statement. */
  @FunctionalInterface
  interface Execution<T> {
    T run(Statement statement) throws SQLException;
  }

  protected final RoutingConnection connection;
  private final Opener opener;
  private final Map<String, Recorded> options = new LinkedHashMap<>();
  private final List<String> batch = new ArrayList<>();
  private SqlEffect batchEffect = SqlEffect.READ;
  private Statement current;
  private ProxyConnection currentMember;
  private boolean closed;

  protected RoutingStatement(RoutingConnection connection, Opener opener) {
    this.connection = connection;
    this.opener = opener;
  }

  // ---- hooks for the generated methods

  /** The statement that answers now: the one last used, else one on the connection's current member. */
  protected final Statement target() throws SQLException {
    checkOpen();
    return current != null ? current : bind(connection.current());
  }

  /** Where nothing is bound yet, setters go nowhere: they are recorded, and made when a statement is bound. */
  static final java.sql.CallableStatement UNBOUND = RoutingFactory.noopStatement();

  /** For generated setters: the statement bound now, or {@link #UNBOUND}. */
  protected final Statement recordingTarget() throws SQLException {
    checkOpen();
    return current != null ? current : UNBOUND;
  }

  /** Called by generated option setters before they pass through. */
  protected final void recordOption(String signature, Object[] arguments) {
    Recorded call = Recorded.of(signature, arguments);
    // Made again in the order of their last calls, so that two setters of one setting (setMaxRows and
    // setLargeMaxRows, setUseServerPrepare and setPrepareThreshold) end as they did here.
    options.remove(call.name());
    options.put(call.name(), call);
  }

  protected final ResultSet wrapResultSet(ResultSet resultSet) {
    return resultSet == null ? null : RoutingFactory.resultSet(this, resultSet);
  }

  // ---- placement

  /** Where an execution with this effect runs. */
  ProxyConnection placement(SqlEffect effect) throws SQLException {
    return connection.memberFor(effect);
  }

  /** This statement on {@code member}: the current one if it is there, else a new one with the recorded calls. */
  final Statement bind(ProxyConnection member) throws SQLException {
    if (current != null && currentMember == member) {
      return current;
    }
    Statement fresh = opener.open(member);
    try {
      replayOn(fresh);
    } catch (SQLException | RuntimeException e) {
      Jdbc.closeQuietly(fresh);
      throw e;
    }
    if (current != null) {
      Jdbc.closeQuietly(current);
    }
    current = fresh;
    currentMember = member;
    return fresh;
  }

  /** Makes the recorded calls on a new counterpart. */
  void replayOn(Statement fresh) throws SQLException {
    for (Recorded option : options.values()) {
      option.replayOn(fresh);
    }
    for (String sql : batch) {
      fresh.addBatch(sql);
    }
  }

  final <T> T run(SqlEffect effect, Execution<T> execution) throws SQLException {
    checkOpen();
    ProxyConnection member = placement(effect);
    try {
      return execution.run(bind(member));
    } catch (SQLException e) {
      if (!connection.replicaBroke(member, e)) {
        throw e;
      }
      clearPreset(member);
      member = placement(effect); // the replica broke first: another, or the primary, may serve it
      return execution.run(bind(member));
    } finally {
      clearPreset(member);
      connection.ran(member, effect); // also after a failure: the server says whether a transaction is open there
    }
  }

  private static void clearPreset(ProxyConnection member) {
    if (member.readGate() != null) {
      member.readGate().clearPreset();
    }
  }

  final void checkOpen() throws SQLException {
    if (closed || connection.isClosed()) {
      throw new SQLException("This statement has been closed.", "55000");
    }
  }

  private SqlEffect classify(String sql) {
    return connection.members.effectOf(sql);
  }

  // ---- Statement

  @Override
  public final ResultSet executeQuery(String sql) throws SQLException {
    return wrapResultSet(run(classify(sql), statement -> statement.executeQuery(sql)));
  }

  @Override
  public final boolean execute(String sql) throws SQLException {
    return run(classify(sql), statement -> statement.execute(sql));
  }

  @Override
  public final boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
    return run(classify(sql), statement -> statement.execute(sql, autoGeneratedKeys));
  }

  @Override
  public final boolean execute(String sql, int[] columnIndexes) throws SQLException {
    return run(classify(sql), statement -> statement.execute(sql, columnIndexes));
  }

  @Override
  public final boolean execute(String sql, String[] columnNames) throws SQLException {
    return run(classify(sql), statement -> statement.execute(sql, columnNames));
  }

  @Override
  public final int executeUpdate(String sql) throws SQLException {
    return run(classify(sql), statement -> statement.executeUpdate(sql));
  }

  @Override
  public final int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
    return run(classify(sql), statement -> statement.executeUpdate(sql, autoGeneratedKeys));
  }

  @Override
  public final int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
    return run(classify(sql), statement -> statement.executeUpdate(sql, columnIndexes));
  }

  @Override
  public final int executeUpdate(String sql, String[] columnNames) throws SQLException {
    return run(classify(sql), statement -> statement.executeUpdate(sql, columnNames));
  }

  @Override
  public final long executeLargeUpdate(String sql) throws SQLException {
    return run(classify(sql), statement -> statement.executeLargeUpdate(sql));
  }

  @Override
  public final long executeLargeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
    return run(classify(sql), statement -> statement.executeLargeUpdate(sql, autoGeneratedKeys));
  }

  @Override
  public final long executeLargeUpdate(String sql, int[] columnIndexes) throws SQLException {
    return run(classify(sql), statement -> statement.executeLargeUpdate(sql, columnIndexes));
  }

  @Override
  public final long executeLargeUpdate(String sql, String[] columnNames) throws SQLException {
    return run(classify(sql), statement -> statement.executeLargeUpdate(sql, columnNames));
  }

  @Override
  public final void addBatch(String sql) throws SQLException {
    recordingTarget().addBatch(sql);
    batch.add(sql);
    batchEffect = batchEffect.and(classify(sql)); // a write first: later ones may still make a temp table
  }

  @Override
  public final void clearBatch() throws SQLException {
    recordingTarget().clearBatch();
    clearRecordedBatch();
  }

  /** Forgets the batch (JDBC empties it when it runs). */
  void clearRecordedBatch() {
    batch.clear();
    batchEffect = SqlEffect.READ;
  }

  /** What the batch may do. */
  SqlEffect batchEffect() {
    return batchEffect;
  }

  @Override
  public final int[] executeBatch() throws SQLException {
    try {
      return run(batchEffect(), Statement::executeBatch);
    } finally {
      clearRecordedBatch();
    }
  }

  @Override
  public final long[] executeLargeBatch() throws SQLException {
    try {
      return run(batchEffect(), Statement::executeLargeBatch);
    } finally {
      clearRecordedBatch();
    }
  }

  @Override
  public final Connection getConnection() throws SQLException {
    checkOpen();
    return connection;
  }

  @Override
  public final boolean isClosed() {
    return closed || connection.isClosed();
  }

  @Override
  public final void close() throws SQLException {
    if (!closed) {
      closed = true;
      if (current != null) {
        current.close();
      }
    }
  }

  @Override
  public final <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(this) ? type.cast(this) : target().unwrap(type);
  }

  @Override
  public final boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || target().isWrapperFor(type);
  }

  @Override
  public final String toString() {
    return "lsnwait routing statement on " + (current == null ? "no server yet" : current.toString());
  }
}

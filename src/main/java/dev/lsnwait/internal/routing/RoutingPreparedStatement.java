package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prepared statement of a routing connection: its SQL's effect is known when it is prepared; parameters and batch
 * entries are recorded so that an execution placed on another server finds them there.
 */
public abstract class RoutingPreparedStatement extends RoutingStatement implements PreparedStatement {

  private final SqlEffect effect;
  private final Map<Object, Recorded> parameters = new LinkedHashMap<>();
  private final List<List<Recorded>> batches = new ArrayList<>();

  protected RoutingPreparedStatement(RoutingConnection connection, Opener opener, SqlEffect effect) {
    super(connection, opener);
    this.effect = effect;
  }

  /** The statement that answers now, for the generated methods. */
  protected final PreparedStatement preparedTarget() throws SQLException {
    return (PreparedStatement) target();
  }

  /** For generated setters: the statement bound now, or one that ignores them (they are recorded). */
  protected final PreparedStatement recordingPreparedTarget() throws SQLException {
    return (PreparedStatement) recordingTarget(); // a prepared statement, or UNBOUND
  }

  /** Called by generated parameter setters before they pass through: the last call per parameter counts. */
  protected final void recordParameter(String signature, Object[] arguments) {
    Recorded call = Recorded.of(signature, arguments);
    Object key = arguments.length == 0 ? call.name()
        : call.name().equals("registerOutParameter") ? "out " + arguments[0] : arguments[0];
    parameters.put(key, call);
  }

  @Override
  void replayOn(Statement fresh) throws SQLException {
    super.replayOn(fresh);
    for (List<Recorded> entry : batches) {
      for (Recorded parameter : entry) {
        parameter.replayOn(fresh);
      }
      ((PreparedStatement) fresh).addBatch();
    }
    for (Recorded parameter : parameters.values()) {
      parameter.replayOn(fresh);
    }
  }

  @Override
  SqlEffect batchEffect() {
    return effect;
  }

  @Override
  void clearRecordedBatch() {
    super.clearRecordedBatch();
    batches.clear();
  }

  @Override
  public final ResultSet executeQuery() throws SQLException {
    return wrapResultSet(run(effect, statement -> ((PreparedStatement) statement).executeQuery()));
  }

  @Override
  public final int executeUpdate() throws SQLException {
    return run(effect, statement -> ((PreparedStatement) statement).executeUpdate());
  }

  @Override
  public final long executeLargeUpdate() throws SQLException {
    return run(effect, statement -> ((PreparedStatement) statement).executeLargeUpdate());
  }

  @Override
  public final boolean execute() throws SQLException {
    return run(effect, statement -> ((PreparedStatement) statement).execute());
  }

  @Override
  public final void addBatch() throws SQLException {
    recordingPreparedTarget().addBatch();
    batches.add(List.copyOf(parameters.values()));
  }

  @Override
  public final void clearParameters() throws SQLException {
    recordingPreparedTarget().clearParameters();
    parameters.clear();
  }
}

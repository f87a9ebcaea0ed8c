package dev.lsnwait.internal.routing;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Optional;

/**
 * One connection for a primary and its replicas ({@code lsnwait.replicas}). Each transaction, or auto-commit
 * statement, is placed when its first statement runs: read-only work ({@code setReadOnly(true)}) that the SQL shows
 * cannot write goes where the {@link Router} says, everything else to the primary; a transaction then stays on its
 * server until it ends. Session state follows to every server ({@link SessionState}). Statements are
 * {@link RoutingStatement}s that move with the placement. {@link RoutingSession} has the session state and
 * lifecycle methods; the build generates the subclass that passes the rest to the primary.
 */
public abstract class RoutingConnection extends RoutingSession {

  private ProxyConnection pinned; // the member running the current transaction; null outside one
  private boolean pinFresh; // no statement has run on the pinned member yet
  private final SessionObjects sessionObjects;

  protected RoutingConnection(Members members) throws SQLException {
    super(members);
    this.sessionObjects = new SessionObjects(members.primary());
  }

  /**
   * The member that runs a statement with this effect now: the transaction's, or a new placement (pinned until
   * the transaction ends when auto-commit is off). Read-only work of a session whose primary holds temporary tables
   * or holdable cursors runs there ({@link SessionObjects}); so does read-only work that may make them.
   */
  final ProxyConnection memberFor(SqlEffect effect) throws SQLException {
    checkOpen();
    if (pinned != null) {
      return pinned;
    }
    ProxyConnection member;
    if (!state.readOnly || effect.mayWrite() || effect.setsSession()) {
      member = router.forWrite(); // the primary's session settings are the ones replicas are brought to
    } else if (sessionObjects.held() || effect.holdsSession()) {
      member = router.forSessionObjects();
    } else {
      member = router.forRead(state);
    }
    if (!state.autoCommit) {
      pinned = member;
      pinFresh = true;
    }
    return member;
  }

  /** The member that answers questions outside a statement: the transaction's, else the primary. */
  final ProxyConnection current() {
    return pinned != null ? pinned : members.primary();
  }

  /** Whether a failed statement on {@code member} may run again elsewhere: nothing of a transaction ran there. */
  final boolean mayRetryElsewhere() {
    return pinned == null || pinFresh;
  }

  /**
   * A statement ran, or failed, on {@code member}. While the server holds a transaction open there, whatever SQL
   * opened it ({@code BEGIN} or {@code START TRANSACTION} sent in auto-commit as well), every statement stays on that
   * member: a SQL-level transaction never spans two servers, and a write in one on a replica fails as in any
   * read-only transaction (25006). Once the server holds none (a SQL {@code COMMIT}), the next work is placed afresh.
   */
  final void ran(ProxyConnection member, SqlEffect effect) throws SQLException {
    if (pinned != null && pinned != member) {
      return; // a callable statement bound elsewhere ran; the transaction is not its own
    }
    sessionObjects.ran(member, effect);
    if (effect.setsSession()) {
      members.settingsChanged(); // replicas are brought to the primary's settings before they are next used
    }
    if (member.inTransaction()) {
      pinned = member;
      pinFresh = false;
    } else if (pinned != null) {
      pinned = null;
      pinFresh = false;
    }
  }

  /**
   * A statement on {@code member} failed: if it is a replica whose connection broke (SQLSTATE class 08), the
   * replica is dropped and skipped for a while, and the placement forgotten. True if the statement may run again
   * elsewhere.
   */
  final boolean replicaBroke(ProxyConnection member, SQLException failure) {
    String state = failure.getSQLState();
    if (!members.isReplica(member) || state == null || !state.startsWith("08")) {
      return false;
    }
    boolean retry = mayRetryElsewhere();
    members.dropBroken(member, failure.getMessage());
    if (pinned == member) {
      pinned = null;
    }
    return retry;
  }

  /**
   * Unpins unless the member still holds a transaction open: in auto-commit, {@code commit()} and
   * {@code setAutoCommit(true)} leave a transaction begun in SQL open, and it must stay where it is.
   */
  @Override
  final void endTransaction() throws SQLException {
    if (pinned == null || !pinned.inTransaction()) {
      pinned = null;
      pinFresh = false;
    }
    sessionObjects.settle();
  }

  @Override
  final ProxyConnection pinnedOrNull() {
    return pinned;
  }

  // ---- transactions

  @Override
  public final void commit() throws SQLException {
    checkOpen();
    try {
      current().commit(); // outside a transaction: the primary says what pgjdbc says
    } finally {
      endTransaction();
    }
  }

  @Override
  public final void rollback() throws SQLException {
    checkOpen();
    try {
      current().rollback();
    } finally {
      endTransaction();
    }
  }

  @Override
  public final void rollback(Savepoint savepoint) throws SQLException {
    checkOpen();
    current().rollback(savepoint);
  }

  @Override
  public final Savepoint setSavepoint() throws SQLException {
    return memberFor(SqlEffect.READ).setSavepoint();
  }

  @Override
  public final Savepoint setSavepoint(String name) throws SQLException {
    return memberFor(SqlEffect.READ).setSavepoint(name);
  }

  @Override
  public final void releaseSavepoint(Savepoint savepoint) throws SQLException {
    checkOpen();
    current().releaseSavepoint(savepoint);
  }

  // ---- statements, placed when they run

  @Override
  public final Statement createStatement() throws SQLException {
    checkOpen();
    return RoutingFactory.statement(this, member -> member.createStatement());
  }

  @Override
  public final Statement createStatement(int type, int concurrency) throws SQLException {
    checkOpen();
    return RoutingFactory.statement(this, member -> member.createStatement(type, concurrency));
  }

  @Override
  public final Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
    checkOpen();
    return RoutingFactory.statement(this, member -> member.createStatement(type, concurrency, holdability));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql) throws SQLException {
    return prepared(sql, member -> member.prepareStatement(sql));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    return prepared(sql, member -> member.prepareStatement(sql, autoGeneratedKeys));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
    return prepared(sql, member -> member.prepareStatement(sql, columnIndexes));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
    return prepared(sql, member -> member.prepareStatement(sql, columnNames));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
    return prepared(sql, member -> member.prepareStatement(sql, type, concurrency));
  }

  @Override
  public final PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
      throws SQLException {
    return prepared(sql, member -> member.prepareStatement(sql, type, concurrency, holdability));
  }

  private PreparedStatement prepared(String sql, RoutingStatement.Opener opener) throws SQLException {
    checkOpen();
    return RoutingFactory.preparedStatement(this, opener, members.effectOf(sql));
  }

  @Override
  public final CallableStatement prepareCall(String sql) throws SQLException {
    return callable(sql, member -> member.prepareCall(sql));
  }

  @Override
  public final CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
    return callable(sql, member -> member.prepareCall(sql, type, concurrency));
  }

  @Override
  public final CallableStatement prepareCall(String sql, int type, int concurrency, int holdability)
      throws SQLException {
    return callable(sql, member -> member.prepareCall(sql, type, concurrency, holdability));
  }

  /** A call reads its OUT parameters where it ran: placed now, for good. */
  private CallableStatement callable(String sql, RoutingStatement.Opener opener) throws SQLException {
    SqlEffect effect = members.effectOf(sql);
    RoutingCallableStatement statement =
        RoutingFactory.callableStatement(this, opener, effect, memberFor(effect));
    statement.callableTarget(); // opens it there
    return statement;
  }

  @Override
  public final DatabaseMetaData getMetaData() throws SQLException {
    checkOpen();
    return RoutingFactory.databaseMetaData(this, members.primary().getMetaData());
  }

  /** For the generated pass-through methods: the primary answers the rest. */
  protected final Connection primary() throws SQLException {
    checkOpen();
    return members.primary();
  }

  // ---- LsnWaitConnection

  @Override
  public final Role role() {
    return LsnWaitConnection.Role.ROUTING;
  }

  @Override
  public final long systemIdentifier() {
    return members.systemIdentifier();
  }

  @Override
  public final Optional<ReplicaTracker> replicaTracker() {
    return Optional.empty();
  }

  /** Tells the primary connection: it is the one that commits. */
  @Override
  public final void markWritten() {
    members.primary().markWritten();
  }

  @Override
  public final String toString() {
    return "lsnwait routing connection (" + members + ", last placement " + router.lastDecision() + ")";
  }
}

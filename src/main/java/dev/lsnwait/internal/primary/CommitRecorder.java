package dev.lsnwait.internal.primary;

import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.Jdbc;
import dev.lsnwait.internal.server.ServerInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.Set;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.ServerVersion;
import org.postgresql.core.TransactionState;
import org.postgresql.jdbc.PgConnection;

/**
 * The primary side of one connection: whether the transaction under way wrote, and a commit mark in the thread's
 * context when such a transaction commits. Work that wrote nothing (a {@code SELECT}, a read-only transaction, a
 * pool's validation query) makes no token, so later replica reads do not wait for nothing.
 *
 * <p>Where the server can tell, it is asked, in the same round trip: {@code commit()} of an open transaction sends
 * {@code SELECT pg_current_xact_id_if_assigned() IS NOT NULL; COMMIT; SELECT pg_current_wal_insert_lsn() ...}: a
 * transaction wrote exactly when PostgreSQL gave it a transaction ID (triggers, functions, views and large objects
 * included), and the position after the commit is its token, with no position read on the side. Elsewhere
 * (auto-commit statements, {@code COMMIT} sent as SQL) it is judged from the SQL ({@link SqlScanner},
 * {@link FunctionCatalog}), and every doubt counts as a write; a {@code COMMIT} in SQL of a transaction judged
 * read-only asks the server first. A statement that fails after committing
 * part of its work (an auto-commit batch, {@code COMMIT; SELECT 1/0}, a procedure that commits then raises) still
 * records: the mark is taken in a {@code finally}, and a spare mark only costs a wait. pgjdbc tracks the
 * transaction state from the server's replies, so judging makes no round trip.
 */
public final class CommitRecorder {

  /** Whether the open transaction has a transaction ID (PostgreSQL 13 and later; before, its older name). */
  private static final String WROTE = "SELECT pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL";
  private static final String WROTE_BEFORE_13 = "SELECT pg_catalog.txid_current_if_assigned() IS NOT NULL";

  /**
   * After {@code COMMIT}, in its round trip: the insert position (which covers the commit) and its timeline; nothing
   * on a server in recovery (a primary that was demoted: the commit failed, or the position is read as before). In a
   * READ COMMITTED transaction of its own: under the session's defaults (SERIALIZABLE, READ ONLY, DEFERRABLE) its
   * snapshot would wait for every serializable transaction under way, after the commit, where pgjdbc's returns.
   */
  private static final String POSITION_AFTER = "START TRANSACTION ISOLATION LEVEL READ COMMITTED;"
      + " SELECT CASE WHEN NOT pg_catalog.pg_is_in_recovery()"
      + " THEN pg_catalog.pg_current_wal_insert_lsn()::pg_catalog.text END, " + ServerInfo.TIMELINE + "; COMMIT";

  private final PrimaryPosition positions;
  private final FunctionCatalog functions;
  private final BaseConnection pg;
  private final boolean everyCommit;
  private final String wroteQuery;
  private boolean wrote;
  private boolean marked; // work lsnwait cannot judge, or the application's markWritten()
  private boolean wroteUnseen; // may write where commit()'s question cannot see (dblink, a holdable cursor)
  private boolean writersChanged; // SQL in this transaction may have changed which functions or relations write
  private boolean readOnlyLeft; // SQL in this transaction may have made a READ ONLY transaction read-write
  private boolean largeObjectsHandedOut; // pgjdbc's large-object API was given out: any later transaction may use it
  private TransactionState before = TransactionState.IDLE;

  /** @param everyCommit {@code lsnwait.tokens=commits}: every commit makes a token, written or not */
  public CommitRecorder(PrimaryPosition positions, FunctionCatalog functions, BaseConnection pg,
      boolean everyCommit) {
    this.positions = positions;
    this.functions = functions;
    this.pg = pg;
    this.everyCommit = everyCommit;
    this.wroteQuery = pg.haveMinimumServerVersion(ServerVersion.v13) ? WROTE : WROTE_BEFORE_13;
  }

  /** What {@code sql} may do, for tokens: with {@code lsnwait.tokens=commits}, everything counts as a write. */
  public SqlEffect classify(String sql) {
    // standard_conforming_strings off: a backslash escapes a quote
    return everyCommit ? SqlEffect.WRITE : functions.classify(sql, !pg.getStandardConformingStrings());
  }

  /** The custom settings that functions setting the session name ({@link FunctionCatalog#customSettings}). */
  public Set<String> customSettings() {
    return functions.customSettings();
  }

  /** What {@code sql} may do, as routing asks before it places read-only work ({@link FunctionCatalog}). */
  public SqlEffect placementEffectOf(String sql) {
    return functions.classifyForPlacement(sql, !pg.getStandardConformingStrings());
  }

  /** Before a statement with this effect runs (or other work: COPY, an updatable result set). */
  public void before(SqlEffect effect) throws SQLException {
    before = pg.getTransactionState();
    readOnlyLeft |= effect.mayLeaveReadOnly();
    wroteUnseen |= effect.writesUnseen();
    if (effect.mayChangeWriters()) {
      writersChanged = true; // the end of the transaction drops the proof again: a read of it until then may be old
      functions.changed(); // before it is sent: no other thread takes the old proof for work that runs after it
    }
    if ((effect.mayWrite() || largeObjectsHandedOut) && !wrote && !inReadOnlyTransaction()) {
      wrote = true;
    }
    if (effect.commits() && !effect.mayWrite() && !wrote && !marked && !everyCommit
        && before == TransactionState.OPEN) {
      wrote = serverSaysWrote(); // COMMIT sent as SQL, of a transaction judged read-only: make sure
    }
  }

  /**
   * pgjdbc's large-object API was handed out: its manager (and the objects it opens) may be kept and used in any
   * later transaction of this connection, out of lsnwait's sight, so every later transaction may write.
   */
  public void largeObjectsHandedOut() {
    largeObjectsHandedOut = true;
    mayHaveWritten();
  }

  /** After it returned or threw: records a commit if it ended a transaction that may have written. */
  public void after(SqlEffect effect) {
    TransactionState now = pg.getTransactionState();
    boolean ended = now == TransactionState.IDLE || effect.commits() || effect.chains();
    if (!ended) {
      return;
    }
    boolean rolledBack = (before == TransactionState.FAILED && !effect.recovers())
        || (effect.rollsBack() && !effect.commits() && !effect.mayWrite());
    if (((wrote || marked) && !rolledBack) || wroteUnseen) { // another session's commit stays, whatever this does
      ThreadContext.recordCommit(positions);
    }
    // Still in a transaction after a statement that ended one (AND CHAIN, or COMMIT; BEGIN; INSERT ...): its writes
    // may belong to the new one.
    wrote = now != TransactionState.IDLE && effect.mayWrite();
    marked = false;
    transactionEnded();
  }

  /**
   * {@code commit()} (or {@code setAutoCommit(true)}, which commits): an open transaction is committed with
   * {@code SELECT pg_current_xact_id_if_assigned() IS NOT NULL; COMMIT} and a read of the position after it, and
   * records the commit at that position if the server says it wrote (or it called something that commits in another
   * session; with {@code lsnwait.tokens=commits}, always, without the question). Nothing open, auto-commit, or a READ
   * ONLY transaction: through {@code plainCommit}, pgjdbc's own.
   */
  public void commit(Jdbc.Action plainCommit) throws SQLException {
    if (pg.getAutoCommit() || pg.getTransactionState() != TransactionState.OPEN
        || (!everyCommit && inReadOnlyTransaction())) { // a READ ONLY transaction wrote nothing: no need to ask
      boolean couldCommit = pg.getTransactionState() == TransactionState.OPEN;
      try {
        plainCommit.run(); // pgjdbc's own errors and nothing to commit (or a failed transaction: a rollback)
      } finally {
        finished((couldCommit && (everyCommit || wrote || marked)) || wroteUnseen);
      }
      return;
    }
    CommitAnswer answer = CommitAnswer.LOST; // if the answer is lost, the commit may still have happened
    long sentAt = System.nanoTime();
    try {
      answer = committing();
    } finally {
      boolean record = answer.wrote() || marked || wroteUnseen;
      finished(record && !recordedAt(answer, sentAt));
    }
  }

  /** Records the commit at the position its round trip read; false if it read none (the commit records a mark). */
  private boolean recordedAt(CommitAnswer answer, long sentAt) {
    if (answer.insertLsn() == null) {
      return false;
    }
    try {
      ThreadContext.recordCommitAt(positions, positions.committed(answer.insertLsn(), sentAt), answer.timeline());
      return true;
    } catch (IllegalArgumentException e) {
      return false; // not a position: read it as before
    }
  }

  /** After {@code rollback()}: nothing of the transaction remains, but what another session committed for it. */
  public void rolledBack() {
    finished(wroteUnseen);
  }

  /** {@code commit()} or {@code rollback()} ended the transaction; {@code record}: it leaves a commit to wait for. */
  private void finished(boolean record) {
    if (record) {
      ThreadContext.recordCommit(positions);
    }
    wrote = false;
    marked = false;
    transactionEnded();
  }

  /** Work lsnwait cannot see (large objects) may write in this transaction. */
  public void mayHaveWritten() {
    marked = true;
  }

  private void transactionEnded() {
    readOnlyLeft = false;
    wroteUnseen = false;
    if (writersChanged) {
      writersChanged = false;
      functions.changed(); // now committed (or gone): a read of the catalog from here on sees it
    }
  }

  /** Whether the open transaction has a transaction ID: one round trip. */
  private boolean serverSaysWrote() throws SQLException {
    try (Statement statement = send(wroteQuery, false)) { // COMMIT sent as SQL: pgjdbc prepares none of it
      return firstBoolean(statement);
    }
  }

  /**
   * Commits, asking in the same round trip whether the transaction had an ID and then the primary's insert position
   * (which covers the commit: no position read needed for its token).
   */
  private CommitAnswer committing() throws SQLException {
    String after = positions.positionsWanted() ? "COMMIT; " + POSITION_AFTER : "COMMIT"; // else a mark
    // lsnwait.tokens=commits: every commit makes a token, no need to ask whether it wrote
    try (Statement statement = send((everyCommit ? "" : wroteQuery + "; ") + after, true)) {
      boolean wrote = everyCommit || firstBoolean(statement);
      while (statement.getMoreResults() || statement.getUpdateCount() != -1) {
        try (ResultSet row = statement.getResultSet()) {
          if (row != null && row.next()) {
            return new CommitAnswer(wrote, row.getString(1), row.getInt(2));
          }
        }
      }
      return new CommitAnswer(wrote, null, 0);
    }
  }

  /**
   * Runs {@code sql} on pgjdbc's connection (no hooks of lsnwait's). Warnings (a deferred trigger's, raised at
   * {@code COMMIT}) go to the connection, where pgjdbc's own commit puts them. {@code prepared} for commit()'s
   * statements: pgjdbc prepares them on the server after {@code prepareThreshold} uses, as it prepares its own
   * {@code COMMIT} (parsing and planning commit()'s five statements every time cost the primary about 100 us of CPU,
   * against 20 us prepared); behind a transaction pooler that keeps no prepared statements, pgjdbc's commit() needs
   * {@code prepareThreshold=0} just the same.
   */
  private Statement send(String sql, boolean prepared) throws SQLException {
    Statement statement = prepared ? pg.prepareStatement(sql) : pg.createStatement();
    try {
      if (statement instanceof PreparedStatement ready) {
        ready.execute();
      } else {
        statement.execute(sql);
      }
    } catch (SQLException | RuntimeException e) {
      try (statement) {
        forwardWarnings(statement);
      }
      throw e;
    }
    forwardWarnings(statement);
    return statement;
  }

  private void forwardWarnings(Statement statement) throws SQLException {
    SQLWarning warnings = statement.getWarnings();
    if (warnings != null && pg instanceof PgConnection connection) {
      connection.addWarning(warnings);
    }
  }

  /** The first result's boolean; true if there is none (a lost answer may have written). */
  private static boolean firstBoolean(Statement statement) throws SQLException {
    ResultSet answer = statement.getResultSet(); // closed with the statement or by getMoreResults()
    return answer == null || !answer.next() || answer.getBoolean(1);
  }

  /** pgjdbc began (or will begin) the transaction READ ONLY: the server refuses every write in it. */
  private boolean inReadOnlyTransaction() {
    if (readOnlyLeft) {
      return false; // SET TRANSACTION READ WRITE may have made it read-write
    }
    try {
      return pg.hintReadOnly() && !pg.getAutoCommit();
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  /** What {@code commit()}'s round trip answered: whether the transaction had an ID, the position after it. */
  private record CommitAnswer(boolean wrote, String insertLsn, int timeline) {
    static final CommitAnswer LOST = new CommitAnswer(true, null, 0);
  }
}

package dev.lsnwait.internal.primary;

import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.Jdbc;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
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
 * {@code SELECT pg_current_xact_id_if_assigned() IS NOT NULL; COMMIT}, and a transaction wrote exactly when
 * PostgreSQL gave it a transaction ID (triggers, functions, views and large objects included). Elsewhere
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

  private final CommitPositionSource positions;
  private final FunctionCatalog functions;
  private final BaseConnection pg;
  private final boolean everyCommit;
  private final String wroteQuery;
  private boolean wrote;
  private boolean marked; // work lsnwait cannot judge, or the application's markWritten()
  private boolean wroteElsewhere; // a call that may commit in another session (dblink): no ID of this transaction's
  private boolean writersChanged; // SQL in this transaction may have changed which functions or relations write
  private boolean readOnlyLeft; // SQL in this transaction may have made a READ ONLY transaction read-write
  private boolean largeObjectsHandedOut; // pgjdbc's large-object API was given out: any later transaction may use it
  private TransactionState before = TransactionState.IDLE;

  /** @param everyCommit {@code lsnwait.tokens=commits}: every commit makes a token, written or not */
  public CommitRecorder(CommitPositionSource positions, FunctionCatalog functions, BaseConnection pg,
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

  /** What {@code sql} may do, as routing asks before it places read-only work ({@link FunctionCatalog}). */
  public SqlEffect placementEffectOf(String sql) {
    return functions.classifyForPlacement(sql, !pg.getStandardConformingStrings());
  }

  /** Before a statement with this effect runs (or other work: COPY, an updatable result set). */
  public void before(SqlEffect effect) throws SQLException {
    before = pg.getTransactionState();
    readOnlyLeft |= effect.mayLeaveReadOnly();
    wroteElsewhere |= effect.writesElsewhere();
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
    if (((wrote || marked) && !rolledBack) || wroteElsewhere) { // another session's commit stays, whatever this does
      ThreadContext.recordCommit(positions);
    }
    // Still in a transaction after a statement that ended one (AND CHAIN, or COMMIT; BEGIN; INSERT ...): its writes
    // may belong to the new one.
    wrote = now != TransactionState.IDLE && effect.mayWrite();
    marked = false;
    transactionEnded();
  }

  /**
   * {@code commit()} (or {@code setAutoCommit(true)}, which commits) through {@code plainCommit}: an open
   * transaction is committed with {@code SELECT pg_current_xact_id_if_assigned() IS NOT NULL; COMMIT}, and records
   * a commit if the server says it wrote (or it called something that commits in another session).
   */
  public void commit(Jdbc.Action plainCommit) throws SQLException {
    if (everyCommit || pg.getAutoCommit() || pg.getTransactionState() != TransactionState.OPEN
        || inReadOnlyTransaction()) { // a READ ONLY transaction wrote nothing: no need to ask
      boolean couldCommit = pg.getTransactionState() == TransactionState.OPEN;
      try {
        plainCommit.run(); // pgjdbc's own errors and nothing to commit (or a failed transaction: a rollback)
      } finally {
        finished((couldCommit && (everyCommit || wrote || marked)) || wroteElsewhere);
      }
      return;
    }
    boolean serverWrote = true; // if the answer is lost, the commit may still have happened
    try {
      serverWrote = ask(wroteQuery + "; COMMIT");
    } finally {
      finished(serverWrote || marked || wroteElsewhere);
    }
  }

  /** After {@code rollback()}: nothing of the transaction remains, but what another session committed for it. */
  public void rolledBack() {
    finished(wroteElsewhere);
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
    wroteElsewhere = false;
    if (writersChanged) {
      writersChanged = false;
      functions.changed(); // now committed (or gone): a read of the catalog from here on sees it
    }
  }

  /** Whether the open transaction has a transaction ID: one round trip. */
  private boolean serverSaysWrote() throws SQLException {
    return ask(wroteQuery);
  }

  /**
   * Runs {@code sql}, whose first result is one boolean, on pgjdbc's connection (no hooks of lsnwait's). Warnings
   * (a deferred trigger's, raised at {@code COMMIT}) go to the connection, where pgjdbc's own commit puts them.
   */
  private boolean ask(String sql) throws SQLException {
    try (Statement statement = pg.createStatement()) {
      try {
        statement.execute(sql);
      } finally {
        SQLWarning warnings = statement.getWarnings();
        if (warnings != null && pg instanceof PgConnection connection) {
          connection.addWarning(warnings);
        }
      }
      try (ResultSet answer = statement.getResultSet()) {
        return answer == null || !answer.next() || answer.getBoolean(1);
      }
    }
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
}

package dev.lsnwait.internal.primary;

import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.context.ThreadContext;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The primary side of one connection: whether the transaction under way may have written, and a commit mark in the
 * thread's context when such a transaction commits. Work that wrote nothing (a {@code SELECT}, a read-only
 * transaction, a pool's validation query) makes no token, so later replica reads do not wait for nothing. A
 * statement that fails after committing part of its work (an auto-commit batch, {@code COMMIT; SELECT 1/0}, a
 * procedure that commits then raises) still records: the mark is taken in a {@code finally}, and a spare mark only
 * costs a wait. pgjdbc tracks the transaction state from the server's replies, so none of this makes a round trip.
 */
public final class CommitRecorder {

  private final CommitPositionSource positions;
  private final FunctionCatalog functions;
  private final BaseConnection pg;
  private final boolean everyCommit;
  private boolean wrote;
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
  }

  /** What {@code sql} may do, for tokens: with {@code lsnwait.tokens=commits}, everything counts as a write. */
  public SqlEffect classify(String sql) {
    return everyCommit ? SqlEffect.WRITE : functions.classify(sql);
  }

  /** What {@code sql} may do, from its text and the primary's functions, whatever makes tokens. */
  public SqlEffect effectOf(String sql) {
    return functions.classify(sql);
  }

  /** Before a statement with this effect runs (or other work: COPY, an updatable result set). */
  public void before(SqlEffect effect) {
    before = pg.getTransactionState();
    readOnlyLeft |= effect.mayLeaveReadOnly();
    if ((effect.mayWrite() || largeObjectsHandedOut) && !wrote && !inReadOnlyTransaction()) {
      wrote = true;
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
    if (wrote && !rolledBack) {
      ThreadContext.recordCommit(positions);
    }
    // Still in a transaction after a statement that ended one (AND CHAIN, or COMMIT; BEGIN; INSERT ...): its writes
    // may belong to the new one.
    wrote = now != TransactionState.IDLE && effect.mayWrite();
    readOnlyLeft = false;
  }

  /** Around {@code commit()} and {@code setAutoCommit(true)}: whether the open transaction can commit at all. */
  public boolean canCommit() {
    return pg.getTransactionState() == TransactionState.OPEN;
  }

  /** After {@code commit()} (returned or threw: it may have reached the server), given {@link #canCommit()} before. */
  public void committed(boolean couldCommit) {
    if (couldCommit && (wrote || (largeObjectsHandedOut && !inReadOnlyTransaction()))) {
      ThreadContext.recordCommit(positions);
    }
    wrote = false;
    readOnlyLeft = false;
  }

  /** After {@code rollback()}: nothing of the transaction remains. */
  public void rolledBack() {
    wrote = false;
    readOnlyLeft = false;
  }

  /** Work lsnwait cannot see (large objects) may write in this transaction. */
  public void mayHaveWritten() {
    wrote = true;
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

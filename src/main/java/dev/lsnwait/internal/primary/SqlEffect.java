package dev.lsnwait.internal.primary;

/**
 * What a SQL text may do to the data and to its transaction, as far as its words tell, without a round trip.
 *
 * @param mayWrite it may change data (conservative: anything not known to be read-only)
 * @param commits it commits a transaction ({@code COMMIT}, {@code END}, {@code COMMIT PREPARED}, also
 *     {@code AND CHAIN})
 * @param rollsBack it ends a transaction without committing it ({@code ROLLBACK}, {@code ABORT},
 *     {@code PREPARE TRANSACTION})
 * @param chains a commit or rollback that begins the next transaction at once ({@code AND CHAIN})
 * @param mayLeaveReadOnly it may make a transaction begun {@code READ ONLY} read-write ({@code SET TRANSACTION READ
 *     WRITE}, {@code SET transaction_read_only = off}): a read-only hint no longer tells that nothing was written
 * @param recovers it rolls back to a savepoint: a failed transaction goes on, and a commit after it commits
 * @param mayChangeWriters it may change which functions or relations write ({@code CREATE OR REPLACE FUNCTION},
 *     {@code ALTER}, a view, a policy, {@code DO}, {@code CALL}): what the catalog knew is no longer proof
 * @param writesUnseen it may write where {@code commit()}'s question (does the transaction have an ID?), asked before
 *     {@code COMMIT}, cannot see: in another session that commits on its own ({@code dblink_exec}, a function whose
 *     source calls dblink), or at {@code COMMIT} itself (a cursor {@code WITH HOLD} over a query that may write: the
 *     commit runs it to its end, to outlive the transaction)
 * @param holdsSession it may make what only this server session has, and later statements may name: a temporary
 *     table, view or sequence, a cursor {@code WITH HOLD}; or it acts on that session ({@code PREPARE},
 *     {@code DEALLOCATE}, {@code LISTEN}): it belongs to the primary's
 * @param mayFreeSession it may drop such a thing ({@code DROP}, {@code DISCARD}, {@code CLOSE})
 * @param setsSession it may change the session's settings: a {@code SET} or {@code RESET} of the session (not
 *     {@code LOCAL}, not of the transaction), {@code DISCARD}, a {@code set_config()} call, a {@code DO} block
 */
public record SqlEffect(boolean mayWrite, boolean commits, boolean rollsBack, boolean chains,
    boolean mayLeaveReadOnly, boolean recovers, boolean mayChangeWriters, boolean writesUnseen,
    boolean holdsSession, boolean mayFreeSession, boolean setsSession) {

  /** Reads only. */
  public static final SqlEffect READ = new SqlEffect(false, false, false, false);
  /** May write. */
  public static final SqlEffect WRITE = new SqlEffect(true, false, false, false);
  /** Changes no data, but may make the transaction read-write. */
  public static final SqlEffect LEAVES_READ_ONLY =
      new SqlEffect(false, false, false, false, true, false, false, false, false, false, false);
  /** {@code ROLLBACK TO SAVEPOINT}: changes no data, and a failed transaction goes on. */
  public static final SqlEffect RECOVERS =
      new SqlEffect(false, false, false, false, false, true, false, false, false, false, false);
  /** Writes, and may change which functions or relations write. */
  public static final SqlEffect CHANGES_WRITERS =
      new SqlEffect(true, false, false, false, false, false, true, false, false, false, false);
  /** Writes, possibly out of sight of the question before {@code COMMIT} (see {@code writesUnseen}). */
  public static final SqlEffect WRITES_UNSEEN =
      new SqlEffect(true, false, false, false, false, false, false, true, false, false, false);
  /** Changes no data, but may make what only this server session has (see {@code holdsSession}). */
  public static final SqlEffect HOLDS_SESSION =
      new SqlEffect(false, false, false, false, false, false, false, false, true, false, false);
  /** Changes no data, but may change the session's settings (see {@code setsSession}). */
  public static final SqlEffect SETS_SESSION =
      new SqlEffect(false, false, false, false, false, false, false, false, false, false, true);
  /** Changes no data, but may drop what only this server session has. */
  public static final SqlEffect FREES_SESSION =
      new SqlEffect(false, false, false, false, false, false, false, false, false, true, false);

  public SqlEffect(boolean mayWrite, boolean commits, boolean rollsBack, boolean chains) {
    this(mayWrite, commits, rollsBack, chains, false, false, false, false, false, false, false);
  }

  /** The effect of running both. */
  public SqlEffect and(SqlEffect other) {
    if (other == READ) {
      return this;
    }
    if (this == READ) {
      return other;
    }
    return new SqlEffect(mayWrite || other.mayWrite, commits || other.commits, rollsBack || other.rollsBack,
        chains || other.chains, mayLeaveReadOnly || other.mayLeaveReadOnly, recovers || other.recovers,
        mayChangeWriters || other.mayChangeWriters, writesUnseen || other.writesUnseen,
        holdsSession || other.holdsSession, mayFreeSession || other.mayFreeSession,
        setsSession || other.setsSession);
  }
}

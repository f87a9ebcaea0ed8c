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
 */
public record SqlEffect(boolean mayWrite, boolean commits, boolean rollsBack, boolean chains) {

  /** Reads only. */
  public static final SqlEffect READ = new SqlEffect(false, false, false, false);
  /** May write. */
  public static final SqlEffect WRITE = new SqlEffect(true, false, false, false);

  /** The effect of running both. */
  public SqlEffect and(SqlEffect other) {
    if (other == READ) {
      return this;
    }
    if (this == READ) {
      return other;
    }
    return new SqlEffect(mayWrite || other.mayWrite, commits || other.commits, rollsBack || other.rollsBack,
        chains || other.chains);
  }
}

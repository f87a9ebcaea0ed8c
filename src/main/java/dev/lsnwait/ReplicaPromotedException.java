package dev.lsnwait;

/**
 * A read's server left recovery (it was promoted) before it replayed the position the read must see, so it never
 * will: a promoted standby holds what it had replayed when it left recovery, and nothing its old primary wrote after
 * that (a failover that left the old primary writing, a split brain). The statement did not run; reading on the
 * current primary, or on a standby that follows it, is safe. With {@code lsnwait.onTimeout=proceed} the read runs
 * anyway (possibly stale) and is counted.
 */
public final class ReplicaPromotedException extends ReplicationTimeoutException {

  private static final long serialVersionUID = 1L;

  public ReplicaPromotedException(String replica, Lsn required, Lsn endOfReplay, long waitedMillis) {
    super("lsnwait: " + replica + " left recovery (it was promoted) after replaying up to " + endOfReplay
            + "; it cannot hold " + required + ", written later by a primary it no longer follows (a failover that"
            + " left the old primary writing, or a split brain): reading there could be stale. Read on the current"
            + " primary, or on a standby of it.",
        replica, required, endOfReplay, waitedMillis);
  }
}

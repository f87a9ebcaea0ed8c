package dev.lsnwait;

/**
 * A statement of a transaction that a routing connection ({@code lsnwait.replicas}) placed on a replica needed a
 * position that replica had not replayed within {@code lsnwait.replicaWait}: the thread committed a newer write
 * elsewhere (on another connection, as Spring's {@code REQUIRES_NEW} does) after the transaction began there. A
 * transaction cannot move to the primary once it has run on a replica, so it fails instead of waiting its whole
 * {@code lsnwait.timeout}. The statement did not run; roll the transaction back and run it again (it is then placed
 * afresh: on a replica that has the write, or on the primary), or commit the write before the transaction begins.
 * SQLSTATE {@code 57014}, as every {@link ReplicationTimeoutException}.
 */
public final class PinnedReplicaTimeoutException extends ReplicationTimeoutException {

  private static final long serialVersionUID = 1L;

  public PinnedReplicaTimeoutException(String replica, Lsn required, Lsn replayed, long waitedMillis) {
    super(
        "lsnwait: this transaction runs on replica "
            + replica
            + ", which had not replayed "
            + required
            + " (a newer write this thread committed elsewhere) after waiting "
            + waitedMillis
            + " ms (lsnwait.replicaWait; its replay position: "
            + replayed
            + "). A transaction cannot move to the primary once it has run on a replica: roll it back and run it"
            + " again, or commit the write before the transaction begins.",
        replica, required, replayed, waitedMillis);
  }
}

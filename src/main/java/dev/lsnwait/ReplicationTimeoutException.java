package dev.lsnwait;

import java.sql.SQLTransientException;

/**
 * A read on a replica gave up waiting for a position it must see ({@code lsnwait.timeout}, with
 * {@code lsnwait.onTimeout=fail}). The statement did not run; retrying later, or on the primary, is safe.
 */
public class ReplicationTimeoutException extends SQLTransientException {

  private static final long serialVersionUID = 1L;

  /** SQLSTATE {@code 57014}, query_canceled, as for a statement timeout. */
  public static final String SQL_STATE = "57014";

  private final String replica;
  private final transient Lsn required;
  private final transient Lsn replayed;
  private final long waitedMillis;

  public ReplicationTimeoutException(String replica, Lsn required, Lsn replayed, long waitedMillis) {
    this("lsnwait: replica "
            + replica
            + " had not replayed "
            + required
            + " after waiting "
            + waitedMillis
            + " ms (its replay position: "
            + replayed
            + "). Raise lsnwait.timeout, or set lsnwait.onTimeout=proceed to read possibly stale data instead.",
        replica, required, replayed, waitedMillis);
  }

  /** For subclasses that say why the position will not be replayed, or why the read waited where it did. */
  protected ReplicationTimeoutException(String message, String replica, Lsn required, Lsn replayed,
      long waitedMillis) {
    super(message, SQL_STATE);
    this.replica = replica;
    this.required = required;
    this.replayed = replayed;
    this.waitedMillis = waitedMillis;
  }

  /** The replica, {@code host:port}. */
  public String replica() {
    return replica;
  }

  /** The position the read had to see. */
  public Lsn required() {
    return required;
  }

  /** The replica's replay position when the wait ended. */
  public Lsn replayed() {
    return replayed;
  }

  /** How long the read waited. */
  public long waitedMillis() {
    return waitedMillis;
  }
}

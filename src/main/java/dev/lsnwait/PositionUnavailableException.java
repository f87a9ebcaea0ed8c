package dev.lsnwait;

import java.sql.SQLTransientException;

/**
 * The WAL position of a commit could not be read from the primary that made it (it is down, out of reach, or did not
 * answer in time), so lsnwait cannot tell what a read must wait for. The statement did not run; the commit stays
 * pending in the context and the next read tries again. Thrown whatever {@code lsnwait.onTimeout} says: it is not a
 * replica that lags. Its SQLSTATE is {@code 57014} (query_canceled), never a connection error ({@code 08xxx}), since
 * the application's own connection is fine and pools must not evict it.
 */
public class PositionUnavailableException extends SQLTransientException {

  private static final long serialVersionUID = 1L;

  /** SQLSTATE {@code 57014}, query_canceled: the statement did not run. */
  public static final String SQL_STATE = "57014";

  public PositionUnavailableException(String message, Throwable cause) {
    super(message, SQL_STATE, cause);
  }
}

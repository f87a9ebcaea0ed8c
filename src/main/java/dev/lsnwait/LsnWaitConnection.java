package dev.lsnwait;

import java.sql.Connection;
import java.util.Optional;

/**
 * What an lsnwait connection knows about itself: {@code connection.unwrap(LsnWaitConnection.class)}, also through a
 * pool's proxy.
 */
public interface LsnWaitConnection extends Connection {

  /** What a connection does for read-your-writes. */
  enum Role {
    /** Produces tokens after commits. */
    PRIMARY,
    /** Waits for the current token before statements run. */
    REPLICA,
    /**
     * A routing connection ({@code lsnwait.replicas}): read-only work on a replica that has replayed the token,
     * everything else on the primary.
     */
    ROUTING
  }

  /** This connection's role, detected with {@code pg_is_in_recovery()} unless {@code lsnwait.role} forced it. */
  Role role();

  /** The {@code system_identifier} of the server's cluster. */
  long systemIdentifier();

  /** For a replica connection, the tracker of its server; empty on a primary or routing connection. */
  Optional<ReplicaTracker> replicaTracker();

  /**
   * Tells lsnwait that work it cannot see from the SQL text wrote: a {@code SELECT} through a view or a row-level
   * security policy that calls a {@code VOLATILE} function that writes, or pgjdbc's API used on the unwrapped
   * {@code PgConnection}. In a transaction, its commit then makes a token; outside one (auto-commit), a token is made
   * at once. On a replica connection it does nothing.
   */
  void markWritten();
}

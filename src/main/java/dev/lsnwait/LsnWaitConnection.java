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
    REPLICA
  }

  /** This connection's role, detected with {@code pg_is_in_recovery()} unless {@code lsnwait.role} forced it. */
  Role role();

  /** The {@code system_identifier} of the server's cluster. */
  long systemIdentifier();

  /** For a replica connection, the tracker of its server. */
  Optional<ReplicaTracker> replicaTracker();
}

package dev.lsnwait.internal;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.replica.ReadGate;
import dev.lsnwait.internal.registry.Server;

/**
 * What one connection does for read-your-writes: a primary records commits, a replica gates reads.
 *
 * @param server the server the connection reached
 * @param commits where a primary's commit positions come from; null on a replica
 * @param readGate a replica's gate; null on a primary
 */
public record Consistency(
    LsnWaitConnection.Role role,
    Server server,
    int defaultIsolation,
    CommitPositionSource commits,
    ReadGate readGate) {

  public static Consistency primary(Server server, int defaultIsolation) {
    return new Consistency(LsnWaitConnection.Role.PRIMARY, server, defaultIsolation, server.position(), null);
  }

  public static Consistency replica(Server server, int defaultIsolation, ReadGate readGate) {
    return new Consistency(LsnWaitConnection.Role.REPLICA, server, defaultIsolation, null, readGate);
  }

  public long systemIdentifier() {
    return server.systemIdentifier();
  }
}

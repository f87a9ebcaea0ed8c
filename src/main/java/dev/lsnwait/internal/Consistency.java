package dev.lsnwait.internal;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.internal.context.CommitPositionSource;

/**
 * What one connection does for read-your-writes: a primary records commits, a replica gates reads.
 *
 * @param commits where a primary's commit positions come from; null on a replica
 * @param readGate a replica's gate; null on a primary
 */
public record Consistency(
    LsnWaitConnection.Role role,
    long systemIdentifier,
    int defaultIsolation,
    CommitPositionSource commits,
    ReadGate readGate) {

  public static Consistency primary(ServerInfo server, CommitPositionSource commits) {
    return new Consistency(
        LsnWaitConnection.Role.PRIMARY, server.systemIdentifier(), server.defaultIsolation(), commits, null);
  }

  public static Consistency replica(ServerInfo server, ReadGate readGate) {
    return new Consistency(
        LsnWaitConnection.Role.REPLICA, server.systemIdentifier(), server.defaultIsolation(), null, readGate);
  }
}

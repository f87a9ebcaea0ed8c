package dev.lsnwait.internal;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.internal.primary.CommitRecorder;
import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.replica.ReadGate;

/**
 * What one connection does for read-your-writes: a primary records commits, a replica gates reads.
 *
 * @param server the server the connection reached
 * @param url the URL the application opened it with (for {@code DatabaseMetaData.getURL()})
 * @param commits a primary's commit recorder; null on a replica
 * @param readGate a replica's gate; null on a primary
 */
public record Consistency(
    LsnWaitConnection.Role role,
    Server server,
    String url,
    int defaultIsolation,
    CommitRecorder commits,
    ReadGate readGate) {

  public long systemIdentifier() {
    return server.systemIdentifier();
  }
}

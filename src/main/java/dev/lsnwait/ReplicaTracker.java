package dev.lsnwait;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Follows one replica server's replay position for every connection and pool in the JVM.
 *
 * <p>A server is one running PostgreSQL instance, told apart by its cluster and its start time: several standbys
 * behind one load-balanced address each have their own tracker, and a restarted or rebuilt standby gets a new one.
 * The tracker keeps a cached replay position, a lower bound (replay only moves forward), so most checks cost a
 * compare. It polls {@code pg_last_wal_replay_lsn()} on a connection of its own, checked to reach that very server,
 * only while someone waits; one poll serves every waiter. When no connection of its own can reach the server,
 * readers ask on their own connections instead. Get one from {@link LsnWaitDriver#trackers()} or
 * {@link LsnWaitConnection#replicaTracker()}.
 */
public interface ReplicaTracker {

  /**
   * The server it follows: {@code host:port} as the server reports its own address ({@code inet_server_addr()}),
   * or, where it cannot (a Unix socket), the address connections went through and the server's start time.
   */
  String name();

  /** The {@code system_identifier} of the replica's cluster. */
  long systemIdentifier();

  /** The last replay position seen, with no round trip; {@link Lsn#ZERO} before the first. */
  Lsn lastReplay();

  /** False once the server was seen out of recovery (a primary, or a promoted replica): then nothing waits. */
  boolean isInRecovery();

  /** Whether {@code lsn} is known to be replayed, with no round trip. */
  boolean isReplicated(Lsn lsn);

  /**
   * Waits until {@code lsn} is replayed, or the timeout passes.
   *
   * @return true if replayed, false on timeout or when the tracker is closed
   * @throws InterruptedException if the thread is interrupted while it waits (the waiter is removed)
   */
  boolean await(Lsn lsn, Duration timeout) throws InterruptedException;

  /**
   * A future completed with the replay position once it is at or after {@code lsn}; completed exceptionally if the
   * tracker closes. Cancel it (or let {@code orTimeout} fail it) to stop waiting. Its callbacks run on the tracker's
   * thread: keep them short, or use the {@code *Async} variants.
   */
  CompletableFuture<Lsn> whenReplayed(Lsn lsn);

  /** Counters, for monitoring. */
  Stats stats();

  /**
   * What the tracker has done so far.
   *
   * @param polls replay-position queries sent to the replica
   * @param waits reads that had to wait (the cache did not answer)
   * @param timeouts waits that ended by their timeout
   * @param proceededAfterTimeout of those, reads that ran anyway ({@code lsnwait.onTimeout=proceed})
   * @param waiters waiters right now
   * @param waitsOnOwnConnection waits that readers made by asking on their own connections, because the tracker
   *     could not reach the server
   */
  record Stats(
      long polls, long waits, long timeouts, long proceededAfterTimeout, int waiters, long waitsOnOwnConnection) {}
}

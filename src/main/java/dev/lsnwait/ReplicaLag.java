package dev.lsnwait;

import java.time.Duration;

/**
 * How far a replica is behind its primary, as {@link LsnWaitDriver#lag(ReplicaTracker)} knows it.
 *
 * @param bytes WAL bytes between the primary's last known position and the replica's last known replay position
 * @param time how long ago the primary passed the replica's replay position; null if this JVM's reads of the
 *     primary's position do not go back that far
 */
public record ReplicaLag(long bytes, Duration time) {}

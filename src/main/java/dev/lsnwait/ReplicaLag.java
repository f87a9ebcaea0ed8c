package dev.lsnwait;

import java.time.Duration;

/**
 * How far a replica is behind its primary, as {@link LsnWaitDriver#lag(ReplicaTracker)} knows it.
 *
 * @param bytes WAL bytes between the primary's last known position and the replica's last known replay position
 * @param time how far the replica's replay was behind the primary when its tracker last looked at it (the tracker
 *     looks while reads wait or ask for positions; this record queries nothing): how long before that look the
 *     primary passed the position the look found; for a position older than the last 512 reads of the primary's
 *     position this JVM keeps, at least that long (from reads kept about every 50 ms for the last 13 s or more); null
 *     if this JVM's reads of the primary's position do not go back that far
 */
public record ReplicaLag(long bytes, Duration time) {}

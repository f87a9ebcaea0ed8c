package dev.lsnwait.internal;

import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.primary.PrimaryPosition;
import dev.lsnwait.internal.tracker.PollingReplicaTracker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared state of the driver: one tracker per replica server and one position reader per cluster's primary,
 * for every connection and pool in the JVM.
 */
public final class Registry implements AutoCloseable {

  private final ConcurrentHashMap<String, PollingReplicaTracker> trackers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, PrimaryPosition> positions = new ConcurrentHashMap<>();

  /** The tracker of the replica server {@code name} ({@code host:port}), made on first use. */
  public PollingReplicaTracker tracker(
      String name, ServerInfo server, Settings settings, ConnectionFactory connections) {
    PollingReplicaTracker existing = trackers.get(name);
    if (existing != null && existing.systemIdentifier() == server.systemIdentifier()) {
      return existing;
    }
    List<PollingReplicaTracker> replaced = new ArrayList<>(1);
    PollingReplicaTracker result =
        trackers.compute(
            name,
            (key, current) -> {
              if (current != null && current.systemIdentifier() == server.systemIdentifier()) {
                return current;
              }
              if (current != null) {
                replaced.add(current); // the server at that address belongs to another cluster now
              }
              return new PollingReplicaTracker(
                  name,
                  server.systemIdentifier(),
                  server.replayPosition(),
                  server.inRecovery(),
                  connections,
                  settings.pollInterval(),
                  settings.idleTimeout());
            });
    replaced.forEach(PollingReplicaTracker::close);
    return result;
  }

  /** The position reader of a cluster's primary; it reconnects through the latest primary connection's server. */
  public PrimaryPosition position(String name, ServerInfo server, Settings settings, ConnectionFactory connections) {
    PrimaryPosition position =
        positions.computeIfAbsent(
            server.systemIdentifier(),
            cluster ->
                new PrimaryPosition(
                    name,
                    cluster,
                    server.walBlockSize(),
                    server.walSegmentSize(),
                    Math.max(1000, settings.timeout().toMillis()), // a read is one query: give it time
                    connections));
    position.connectVia(connections);
    return position;
  }

  /** The clusters ({@code system_identifier}) of every server lsnwait connected to in this JVM. */
  public Set<Long> knownClusters() {
    Set<Long> clusters = new HashSet<>(positions.keySet());
    trackers.values().forEach(tracker -> clusters.add(tracker.systemIdentifier()));
    return Set.copyOf(clusters);
  }

  public Collection<ReplicaTracker> trackers() {
    return List.copyOf(trackers.values());
  }

  public Optional<ReplicaTracker> tracker(String name) {
    return Optional.ofNullable(trackers.get(name));
  }

  /** Stops every tracker thread and closes lsnwait's own connections; later connections start afresh. */
  @Override
  public void close() {
    for (String name : List.copyOf(trackers.keySet())) {
      PollingReplicaTracker tracker = trackers.remove(name);
      if (tracker != null) {
        tracker.close();
      }
    }
    for (Long cluster : List.copyOf(positions.keySet())) {
      PrimaryPosition position = positions.remove(cluster);
      if (position != null) {
        position.close();
      }
    }
  }
}

package dev.lsnwait.internal.registry;

import dev.lsnwait.Lsn;
import dev.lsnwait.ReplicaLag;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.primary.PrimaryPosition;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.server.ServerRoutes;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The driver's shared state: one {@link Server} per running PostgreSQL server that lsnwait connections reached in
 * this JVM, by identity (cluster and start time), for every connection and pool.
 */
public final class Registry implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.server");

  private final ConcurrentHashMap<ServerIdentity, Server> servers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AddressHealth> replicaAddresses = new ConcurrentHashMap<>();
  private final Listeners listeners = new Listeners();
  private final AtomicLong serversChanged = new AtomicLong(); // raised after each change of servers
  private volatile KnownClusters knownClusters = new KnownClusters(-1, Set.of());
  private volatile boolean closed;

  /** The clusters of {@code servers} as of a count of their changes: the filter asks on every request. */
  private record KnownClusters(long asOf, Set<Long> clusters) {}

  /**
   * The server a new connection reached, made on first sight; what the connection saw is fed to it.
   *
   * @param routes how lsnwait's own connections reach it, by application name
   */
  public Server server(ServerInfo info, Function<String, ServerRoutes> routes, ServerSettings settings) {
    Server server = servers.get(info.identity());
    if (server != null) {
      server.observe(info, settings);
      return counted(server);
    }
    List<Server> made = new ArrayList<>(1);
    server = servers.computeIfAbsent(info.identity(), identity -> {
      Server created = new Server(info, routes.apply("lsnwait tracker"), routes.apply("lsnwait position"), settings,
          new ClusterClock(() -> positionReadersOf(info.identity().systemIdentifier())));
      made.add(created);
      return created;
    });
    if (made.isEmpty()) {
      server.observe(info, settings);
    } else {
      retireEarlierStarts(server);
      if (closed) {
        server.close(); // made while the driver was deregistered: it must not keep a thread
      }
    }
    return counted(server);
  }

  /**
   * {@code server}, whose cluster {@link #knownClusters} answers from now on: another thread may have made it and
   * not yet counted the change, and a token of this connection's must not be dropped as another cluster's. Counted
   * on every connection's way (not only when the set lacks it: an answer computed before the server was made may
   * still be stored after such a look); a new connection is rare beside the requests that ask.
   */
  private Server counted(Server server) {
    serversChanged.incrementAndGet();
    return server;
  }

  /** The server with this identity, if a connection reached it before; null if none did. */
  public Server known(ServerIdentity identity) {
    return servers.get(identity);
  }

  /**
   * A server that reports the same address as an earlier start of the same cluster replaced it (a restart, a crash
   * recovery, or a rebuild after a failover): the earlier one's tracker stops. Without an address (a Unix socket)
   * nothing can be told, and the earlier one just goes idle.
   */
  private void retireEarlierStarts(Server newer) {
    if (newer.address() == null) {
      return;
    }
    for (Server older : servers.values()) {
      if (older != newer
          && newer.address().equals(older.address())
          && newer.identity().isLaterThan(older.identity())
          && servers.remove(older.identity(), older)) {
        serversChanged.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "lsnwait: " + newer.name() + " restarted or recovered from a crash ("
            + older.identity() + " -> " + newer.identity() + "); what was known of it before is dropped");
        older.retire();
      }
    }
  }

  /**
   * {@code token} with each position capped at its cluster's primary's position. A position is kept when a read of
   * a primary of its cluster (the last, or a fresh one) reached it, and lowered only to a fresh read that proves
   * the primary had not: a read older than the position proves nothing (a commit elsewhere since), and lowering a
   * genuine token below its commit would let the read skip its wait. When no read can be made in time (the primary
   * refusing connections, a network blip, no read yet), the position is kept as it came and {@code unchecked} hears
   * its cluster. A cluster with no known primary is left out.
   */
  public LsnToken capToPrimaries(LsnToken token, long deadlineNanos, LongConsumer unchecked) {
    LsnToken[] capped = {LsnToken.EMPTY};
    token.positions().forEach((cluster, lsn) -> {
      List<PrimaryPosition> primaries = new ArrayList<>();
      for (Server server : servers.values()) {
        PrimaryPosition primary = server.positionIfAny();
        if (primary != null && server.systemIdentifier() == cluster && !server.isRetired()) {
          primaries.add(primary);
        }
      }
      if (!primaries.isEmpty()) {
        Lsn kept = cap(lsn, primaries, deadlineNanos, () -> unchecked.accept(cluster));
        capped[0] = capped[0].with(cluster, kept, token.timelineFor(cluster));
      }
    });
    return capped[0];
  }

  private static Lsn cap(Lsn lsn, List<PrimaryPosition> primaries, long deadlineNanos, Runnable unchecked) {
    for (PrimaryPosition primary : primaries) {
      Lsn known = primary.lastRead();
      if (known != null && known.isAtLeast(lsn)) {
        return lsn;
      }
    }
    Lsn highest = null;
    boolean unread = false;
    for (PrimaryPosition primary : primaries) {
      try {
        Lsn now = primary.now(deadlineNanos);
        highest = highest == null ? now : highest.max(now);
      } catch (SQLException e) {
        unread = true; // this primary may be the one that has passed it (a split brain)
      }
    }
    if (highest != null && highest.isAtLeast(lsn)) {
      return lsn;
    }
    if (unread) {
      unchecked.run();
      return lsn;
    }
    return highest;
  }

  /**
   * The position reader of the cluster's primary, from a primary connection opened in this JVM; null if there is
   * none.
   */
  public PrimaryPosition primaryOf(long cluster) {
    for (Server server : servers.values()) {
      PrimaryPosition primary = server.positionIfAny();
      if (primary != null && server.systemIdentifier() == cluster && !server.isRetired()) {
        return primary;
      }
    }
    return null;
  }

  /** See {@code LsnWaitDriver.lag}. */
  public Optional<ReplicaLag> lag(ReplicaTracker tracker) {
    PrimaryPosition primary = primaryOf(tracker.systemIdentifier());
    Lsn known = primary == null ? null : primary.lastRead();
    if (known == null) {
      return Optional.empty();
    }
    Lsn replayed = tracker.lastReplay();
    if (replayed.isAtLeast(known)) {
      return Optional.of(new ReplicaLag(0, Duration.ZERO));
    }
    long passedAt = primary.passedBy(replayed); // dated as timeAt dates it; older: when it was passed by
    // As of the tracker's last look: it looks only while reads wait or ask, and the replica may have replayed much
    // since (an idle application's replica, caught up, would seem to fall behind with the clock).
    long asOf = tracker instanceof ServerTracker server ? server.lastSeen() : System.nanoTime();
    Duration behind = passedAt == Long.MIN_VALUE ? null : Duration.ofNanos(Math.max(0, asOf - passedAt));
    return Optional.of(new ReplicaLag(known.asLong() - replayed.asLong(), behind));
  }

  /** The position readers of the cluster's primaries in this JVM, retired servers' too (their history holds). */
  private List<PrimaryPosition> positionReadersOf(long cluster) {
    List<PrimaryPosition> readers = new ArrayList<>();
    for (Server server : servers.values()) {
      PrimaryPosition primary = server.positionIfAny();
      if (primary != null && server.systemIdentifier() == cluster) {
        readers.add(primary);
      }
    }
    return readers;
  }

  /** The clusters ({@code system_identifier}) of every server lsnwait connected to in this JVM. */
  public Set<Long> knownClusters() {
    long asOf = serversChanged.get(); // before servers are read: a change after it is seen at the next call
    KnownClusters known = knownClusters;
    if (known.asOf() != asOf) {
      Set<Long> clusters = new HashSet<>();
      servers.values().forEach(server -> clusters.add(server.systemIdentifier()));
      known = new KnownClusters(asOf, Set.copyOf(clusters));
      knownClusters = known;
    }
    return known.clusters();
  }

  public Collection<ReplicaTracker> trackers() {
    List<ReplicaTracker> trackers = new ArrayList<>();
    for (Server server : servers.values()) {
      ServerTracker tracker = server.trackerIfAny();
      if (tracker != null) {
        trackers.add(tracker);
      }
    }
    return List.copyOf(trackers);
  }

  /** The tracker of the server with this name; else of a server reached through this address, if only one. */
  public Optional<ReplicaTracker> tracker(String name) {
    List<ReplicaTracker> through = new ArrayList<>();
    for (Server server : servers.values()) {
      ServerTracker tracker = server.trackerIfAny();
      if (tracker == null) {
        continue;
      }
      if (server.name().equals(name)) {
        return Optional.of(tracker);
      }
      if (server.reachedAddress().equals(name)) {
        through.add(tracker);
      }
    }
    return through.size() == 1 ? Optional.of(through.get(0)) : Optional.empty();
  }

  /** The registered listeners, heard as one. */
  public Listeners listeners() {
    return listeners;
  }

  /** The health of a replica address that routing connections use, shared by all of them. */
  public AddressHealth replicaAddress(String address) {
    return replicaAddresses.computeIfAbsent(address, AddressHealth::new);
  }

  /** Stops every tracker thread and closes lsnwait's own connections; later connections start afresh. */
  @Override
  public void close() {
    closed = true;
    replicaAddresses.clear();
    for (ServerIdentity identity : List.copyOf(servers.keySet())) {
      Server server = servers.remove(identity);
      serversChanged.incrementAndGet();
      if (server != null) {
        server.close();
      }
    }
    closed = false;
  }
}

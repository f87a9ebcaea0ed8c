package dev.lsnwait.internal.registry;

import dev.lsnwait.internal.primary.FunctionCatalog;
import dev.lsnwait.internal.primary.PrimaryPosition;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.server.ServerRoutes;
import dev.lsnwait.internal.server.SideConnection;
import dev.lsnwait.internal.tracker.PrimaryClock;
import dev.lsnwait.internal.tracker.ReplayState;
import dev.lsnwait.internal.tracker.ServerTracker;
import dev.lsnwait.internal.tracker.TrackerSettings;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One running PostgreSQL server, as every lsnwait connection to it in this JVM shares it: its identity, how to reach
 * it, its settings, and, made on first use, its replica tracker (for standbys) and its position reader (for
 * primaries). A promoted standby keeps its object (same identity) and gains a position reader; a restarted or
 * rebuilt one is a new server.
 */
public final class Server implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.server");
  /** The first PostgreSQL with {@code WAIT FOR LSN}. */
  private static final int WAIT_FOR_LSN_VERSION = 190000;
  /** The longest a tracker's poll or a catalog read may block. */
  private static final Duration SIDE_QUERY_BOUND = Duration.ofSeconds(10);

  private final ServerIdentity identity;
  private final String name;
  private final String address;
  private final ServerRoutes trackerRoutes;
  private final ServerRoutes positionRoutes;
  /** Routes to the latest database a primary connection used, for position reads if the first one's is dropped. */
  private volatile ServerRoutes latestPositionRoutes;
  private final ServerSettings settings;
  private final int walBlockSize;
  private final long walSegmentSize;
  private final ServerInfo first;
  private final PrimaryClock clock;
  private final AtomicReference<ServerTracker> tracker = new AtomicReference<>();
  private final AtomicReference<PrimaryPosition> position = new AtomicReference<>();
  private final ConcurrentHashMap<String, FunctionCatalog> functions = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private volatile boolean retired;

  /**
   * @param info what the first connection saw
   * @param trackerRoutes how a tracker reaches it; {@code positionRoutes} the same for position reads
   */
  Server(ServerInfo info, ServerRoutes trackerRoutes, ServerRoutes positionRoutes, ServerSettings settings,
      PrimaryClock clock) {
    this.clock = clock;
    this.identity = info.identity();
    this.address = info.address();
    this.name = address != null
        ? address
        : trackerRoutes.reachedAddress() + " (" + identity.describeStart() + ")"; // a crash recovery too: its own
    this.trackerRoutes = trackerRoutes;
    this.positionRoutes = positionRoutes;
    this.latestPositionRoutes = positionRoutes;
    this.settings = settings;
    this.walBlockSize = info.walBlockSize();
    this.walSegmentSize = info.walSegmentSize();
    this.first = info;
  }

  public ServerIdentity identity() {
    return identity;
  }

  public String name() {
    return name;
  }

  /** The address the first connection went through. */
  public String reachedAddress() {
    return trackerRoutes.reachedAddress();
  }

  /** The server's own address as it reports it, or null (a Unix socket). */
  public String address() {
    return address;
  }

  public long systemIdentifier() {
    return identity.systemIdentifier();
  }

  /** The tracker of this server, made on first use from what the first connection saw. */
  public ServerTracker tracker() {
    ServerTracker existing = tracker.get();
    if (existing != null) {
      return existing;
    }
    TrackerSettings trackerSettings = new TrackerSettings(settings.pollInterval(), settings.maxPollRate(),
        settings.refreshInterval(), settings.idleTimeout(), first.versionNumber() >= WAIT_FOR_LSN_VERSION);
    ServerTracker made = new ServerTracker(name, identity, first.inRecovery(), first.replayPosition(),
        () -> new SideConnection(name, trackerRoutes, this::sameServer, ServerTracker.POLL_QUERY, SIDE_QUERY_BOUND),
        trackerSettings, clock);
    made.observe(new ReplayState(first.inRecovery(), first.replayPosition(), first.timeline()));
    if (tracker.compareAndSet(null, made)) {
      if (retired) {
        made.close();
      }
      return made;
    }
    return tracker.get();
  }

  /** The tracker, if one was made. */
  public ServerTracker trackerIfAny() {
    return tracker.get();
  }

  /** The position reader of this server, made on first use. */
  public PrimaryPosition position() {
    PrimaryPosition existing = position.get();
    if (existing != null) {
      return existing;
    }
    PrimaryPosition made = new PrimaryPosition(name, identity.systemIdentifier(), walBlockSize, walSegmentSize,
        settings.positionReadTimeout(), settings.resolveInterval(), settings.idleTimeout(),
        () -> new SideConnection(name, latestPositionRoutes, this::primaryOrStandIn, PrimaryPosition.QUERY,
            settings.positionReadTimeout()));
    return position.compareAndSet(null, made) ? made : position.get();
  }

  /** The position reader, if a primary connection made one. */
  public PrimaryPosition positionIfAny() {
    return position.get();
  }

  /**
   * Which functions and relations of one database of this primary may write, read in the background from the
   * first call on; {@code routes} reach the database (those of the first connection to it), by application name.
   * Position reads move to the latest such database if theirs is dropped.
   */
  public FunctionCatalog functions(String database, Function<String, ServerRoutes> routes) {
    FunctionCatalog existing = functions.get(database);
    if (existing != null) {
      return existing;
    }
    return functions.computeIfAbsent(database, key -> {
      ServerRoutes reach = routes.apply("lsnwait catalog");
      latestPositionRoutes = routes.apply("lsnwait position"); // a database in use now: it outlives a dropped one
      FunctionCatalog made = FunctionCatalog.reading(name + "/" + database,
          () -> new SideConnection(name, reach, this::primaryOrStandIn, FunctionCatalog.QUERY, SIDE_QUERY_BOUND));
      made.loadSoon(true);
      return made;
    });
  }

  /** A tracker polls this very server, nothing else. */
  private SideConnection.Verdict sameServer(ServerIdentity seen, boolean inRecovery) {
    return seen.equals(identity) ? SideConnection.Verdict.THE_SERVER : SideConnection.Verdict.OTHER;
  }

  /**
   * Positions are read on the server that committed; if it is gone (restarted, or replaced after a failover), the
   * cluster's primary now reached at the same address covers every commit that survived.
   */
  private SideConnection.Verdict primaryOrStandIn(ServerIdentity seen, boolean inRecovery) {
    if (seen.equals(identity)) {
      return SideConnection.Verdict.THE_SERVER;
    }
    return seen.systemIdentifier() == identity.systemIdentifier() && !inRecovery
        ? SideConnection.Verdict.STAND_IN
        : SideConnection.Verdict.OTHER;
  }

  /** What a new connection saw of this server: the tracker, if any, takes it in. */
  void observe(ServerInfo info, ServerSettings requested) {
    ServerTracker current = tracker.get();
    if (current != null) {
      current.observe(new ReplayState(info.inRecovery(), info.replayPosition(), info.timeline()));
    }
    for (String conflict : settings.conflicts(requested)) {
      if (warned.add(conflict)) {
        LOG.log(System.Logger.Level.WARNING, "lsnwait: " + name + " is shared by connections with other settings; "
            + conflict);
      }
    }
  }

  /**
   * {@code lsnwait.pooler=auto} found a pooler in front of this server: said once per server, with what it costs and
   * how to avoid the cost where only this one standby is behind the pooler.
   */
  public void poolerFound(String reachedThrough) {
    if (warned.add("pooler")) {
      LOG.log(System.Logger.Level.INFO, "lsnwait: " + reachedThrough + " reaches " + name + " through a pooler"
          + " (lsnwait.pooler=auto): a read that needs a position checks, in its own transaction, which standby runs"
          + " it (one round trip more; two for an auto-commit read). If this address reaches only this one standby,"
          + " set lsnwait.pooler=none to skip the check.");
    }
  }

  /** Whether a newer start of the same server replaced this one. */
  public boolean isRetired() {
    return retired;
  }

  /** A newer start of this server exists: its tracker stops (waiters ask on their own connections). */
  void retire() {
    retired = true;
    ServerTracker current = tracker.get();
    if (current != null) {
      current.close();
    }
  }

  @Override
  public void close() {
    retire();
    PrimaryPosition current = position.get();
    if (current != null) {
      current.close();
    }
  }

  @Override
  public String toString() {
    return "Server[" + name + ", " + identity + "]";
  }
}

package dev.lsnwait;

import dev.lsnwait.internal.LsnWaitUrl;
import dev.lsnwait.internal.Setting;
import dev.lsnwait.internal.Settings;
import dev.lsnwait.internal.connect.Connector;
import dev.lsnwait.internal.proxy.ProxyFactory;
import dev.lsnwait.internal.registry.Registry;
import dev.lsnwait.internal.routing.Members;
import dev.lsnwait.internal.routing.RoutingFactory;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The {@code jdbc:lsnwait:} driver: {@code jdbc:lsnwait:postgresql://host:port/db?...} is pgjdbc's URL behind a
 * prefix. Connections learn their role with {@code pg_is_in_recovery()}: primary connections add a token to
 * {@link LsnContext} after every commit; replica connections wait, before statements run, until the replica has
 * replayed it. Properties starting with {@code lsnwait.} are lsnwait's (see {@link #getPropertyInfo}); pgjdbc never
 * sees them.
 *
 * <p>Registered with {@link DriverManager} when the class loads (also through {@code META-INF/services}). Every
 * instance shares one registry of servers, so there is one tracker per replica server in the JVM (a server is one
 * running instance: several behind one load-balanced address are several servers); deregistering the driver stops
 * them.
 */
public final class LsnWaitDriver implements Driver {

  /** The URL prefix this driver accepts. */
  public static final String URL_PREFIX = LsnWaitUrl.PREFIX;

  private static final int MAJOR_VERSION = 0;
  private static final int MINOR_VERSION = 1;

  /** Shared by all instances: DriverManager, ServiceLoader and pools each may make one. */
  private static final Registry REGISTRY = new Registry();

  static {
    ProxyFactory.preload();
    RoutingFactory.preload();
    ServerTracker.preload();
    try {
      DriverManager.registerDriver(new LsnWaitDriver(), REGISTRY::close);
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final org.postgresql.Driver pgjdbc = new org.postgresql.Driver();
  private final Connector connector = new Connector(pgjdbc, REGISTRY);

  /** For {@link java.util.ServiceLoader} and pools that instantiate drivers by class name. */
  public LsnWaitDriver() {}

  /** Every replica tracker in this JVM. */
  public static Collection<ReplicaTracker> trackers() {
    return REGISTRY.trackers();
  }

  /**
   * The tracker of a replica server, by name ({@link ReplicaTracker#name()}: {@code host:port} as the server reports
   * its own address), or by the address connections went through when only one server was reached there.
   */
  public static Optional<ReplicaTracker> tracker(String name) {
    return REGISTRY.tracker(name);
  }

  /**
   * The clusters ({@code system_identifier}) of every server this JVM's lsnwait connections reached, primaries and
   * replicas; empty before the first connection.
   */
  public static Set<Long> knownClusters() {
    return REGISTRY.knownClusters();
  }

  /**
   * {@code token} with each position capped at its cluster's primary's current WAL position, for tokens that come
   * from outside and are not signed (a request header, a job payload): a position from the future then makes reads
   * wait no longer than the replicas' lag. lsnwait reads the position on a connection of its own to a primary it
   * has connections to, only when the token is beyond the last position it read (one query, shared). A position is
   * only ever lowered to a position read after this call began, so a genuine token is never lowered below its
   * commit; when the position cannot be read within {@code timeout}, the token's position is kept as it came (see
   * {@link #capToPrimaries(LsnToken, java.time.Duration, java.util.function.LongConsumer)} to count those). A
   * cluster whose primary this JVM has no connection to is left out.
   *
   * @param timeout the longest the position read may take
   */
  public static LsnToken capToPrimaries(LsnToken token, java.time.Duration timeout) {
    return capToPrimaries(token, timeout, cluster -> {});
  }

  /**
   * {@link #capToPrimaries(LsnToken, java.time.Duration)}, telling {@code unchecked} each cluster whose position
   * was kept as it came because its primary's position could not be read in time.
   */
  public static LsnToken capToPrimaries(LsnToken token, java.time.Duration timeout,
      java.util.function.LongConsumer unchecked) {
    return REGISTRY.capToPrimaries(token, System.nanoTime() + timeout.toNanos(),
        java.util.Objects.requireNonNull(unchecked, "unchecked"));
  }

  /**
   * How far a replica is behind its primary, as this JVM knows it without a round trip: the primary's last position
   * read here against the tracker's last known replay position, in bytes of WAL and in time (since the primary
   * passed that replay position). Empty when this JVM has no connection to the cluster's primary.
   */
  public static Optional<ReplicaLag> lag(ReplicaTracker tracker) {
    return REGISTRY.lag(tracker);
  }

  /** Hears waits and routing decisions from now on (metrics, tracing); see {@link LsnWaitListener}. */
  public static void addListener(LsnWaitListener listener) {
    REGISTRY.listeners().add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  public static void removeListener(LsnWaitListener listener) {
    REGISTRY.listeners().remove(listener);
  }

  @Override
  public boolean acceptsURL(String url) {
    return LsnWaitUrl.accepts(url);
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null; // JDBC: another driver's URL
    }
    LsnWaitUrl parsed = LsnWaitUrl.parse(url, info);
    Settings settings = parsed.settings();
    if (settings.routes()) {
      return RoutingFactory.connection(new Members(connector, url, parsed, settings));
    }
    return connector.open(parsed.pgjdbcUrl(), parsed.pgjdbcProperties(), url, parsed, settings);
  }

  /** pgjdbc's properties for the URL, followed by lsnwait's own. */
  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
    List<DriverPropertyInfo> result = new ArrayList<>();
    if (acceptsURL(url)) {
      LsnWaitUrl parsed = LsnWaitUrl.parse(url, info);
      result.addAll(List.of(pgjdbc.getPropertyInfo(parsed.pgjdbcUrl(), parsed.pgjdbcProperties())));
      for (Setting setting : Setting.values()) {
        result.add(setting.describe(parsed.rawSettings().get(setting)));
      }
    }
    return result.toArray(new DriverPropertyInfo[0]);
  }

  @Override
  public int getMajorVersion() {
    return MAJOR_VERSION;
  }

  @Override
  public int getMinorVersion() {
    return MINOR_VERSION;
  }

  /** Like pgjdbc, whose behaviour this driver keeps. */
  @Override
  public boolean jdbcCompliant() {
    return pgjdbc.jdbcCompliant();
  }

  @Override
  public Logger getParentLogger() {
    return Logger.getLogger("dev.lsnwait");
  }
}

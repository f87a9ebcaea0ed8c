package dev.lsnwait.internal.routing;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.internal.Jdbc;
import dev.lsnwait.internal.LsnWaitUrl;
import dev.lsnwait.internal.Settings;
import dev.lsnwait.internal.connect.Connector;
import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.proxy.ProxyConnection;
import dev.lsnwait.internal.registry.AddressHealth;
import dev.lsnwait.internal.registry.Registry;
import dev.lsnwait.internal.tracker.ReplayState;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.postgresql.core.BaseConnection;

/**
 * The physical connections behind one routing connection: the primary, opened at once, and one per replica address,
 * opened when read-only work first needs one and kept for reuse. A replica that cannot be reached, is not in recovery
 * (promoted), belongs to another cluster or breaks is closed and its address skipped for a back-off
 * ({@link AddressHealth}, shared in the JVM).
 */
public final class Members {

  /** How often a replica in use is asked whether it is still one. */
  private static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * Seconds to connect to a replica, and to log in, when the URL does not say: a dead or hung one must not hold a
   * read for long. A hung server's kernel still accepts the TCP connection, so the login needs its own bound.
   */
  private static final String REPLICA_CONNECT_TIMEOUT = "2";
  /** The shortest bound of a check: a busy but healthy replica must not be taken for a hung one. */
  private static final long MIN_CHECK_MILLIS = 1000;

  private final Connector connector;
  private final String originalUrl;
  private final LsnWaitUrl url;
  private final Settings settings;
  private final Settings replicaSettings;
  private final ProxyConnection primary;
  private final List<Replica> replicas = new ArrayList<>();
  private final int checkMillis;
  private final SettingsSync sessionSettings;

  /** One replica address and, once opened, its connection. */
  static final class Replica {
    final String address;
    final AddressHealth health;
    ProxyConnection connection;
    long checkedAt;

    Replica(String address, AddressHealth health) {
      this.address = address;
      this.health = health;
    }
  }

  public Members(Connector connector, String originalUrl, LsnWaitUrl url, Settings settings) throws SQLException {
    this.connector = connector;
    this.originalUrl = originalUrl;
    this.url = url;
    this.settings = settings;
    this.replicaSettings = settings.withRole(Settings.Role.AUTO);
    this.checkMillis = checkBoundMillis(settings);
    this.primary = connector.open(url.pgjdbcUrl(), url.pgjdbcProperties(), originalUrl, url, settings);
    this.sessionSettings = new SettingsSync(primary);
    for (String address : settings.replicas()) {
      replicas.add(new Replica(address, connector.registry().replicaAddress(address)));
    }
  }

  /**
   * How long a check may take: {@code lsnwait.replicaWait}, but at least {@link #MIN_CHECK_MILLIS}, and never more
   * than {@code lsnwait.timeout}, the longest a read is ever held for a replica.
   */
  static int checkBoundMillis(Settings settings) {
    long bound = Math.max(MIN_CHECK_MILLIS, settings.replicaWait().toMillis());
    return (int) Math.max(1, Math.min(Math.min(bound, settings.timeout().toMillis()), Integer.MAX_VALUE));
  }

  Settings settings() {
    return settings;
  }

  Registry registry() {
    return connector.registry();
  }

  ProxyConnection primary() {
    return primary;
  }

  long systemIdentifier() {
    return primary.systemIdentifier();
  }

  /** What {@code sql} may do, as the primary tells; notes the custom settings it may set ({@link SettingsSync}). */
  SqlEffect effectOf(String sql) {
    SqlEffect effect = primary.effectOf(sql);
    if (effect.setsSession()) {
      sessionSettings.named(sql);
    }
    return effect;
  }

  /** SQL that may change the session's settings ran: replicas are brought to the primary's before next used. */
  void settingsChanged() {
    sessionSettings.changed();
  }

  /**
   * The replicas to choose from now, opening those not yet open whose address is not in a back-off, and bringing
   * them to the primary's session settings ({@link SettingsSync}).
   */
  List<ProxyConnection> usableReplicas(SessionState state) {
    long now = System.nanoTime();
    List<ProxyConnection> usable = new ArrayList<>(replicas.size());
    for (Replica replica : replicas) {
      if (replica.connection == null && replica.health.usable(now)) {
        replica.connection = open(replica, state);
      }
      if (replica.connection != null && now - replica.checkedAt > CHECK_INTERVAL_NANOS) {
        check(replica, now);
      }
      if (replica.connection != null) {
        String unfit = unfit(replica.connection);
        if (unfit == null) {
          if (sessionSettings.ready(replica.connection, checkMillis)) {
            usable.add(replica.connection); // else this connection reads on the primary until its settings change
          }
        } else {
          drop(replica, unfit);
        }
      }
    }
    return usable;
  }

  /**
   * Asks a replica, at most once per {@link #CHECK_INTERVAL_NANOS}, whether it is still in recovery and how far it
   * replayed (fed to its tracker): nobody may be waiting on it, so its tracker would not notice a promotion. Outside
   * a transaction, without opening one. A hung replica must not hold the read that checks: the check has a network
   * timeout ({@link #checkBoundMillis}) and the connection's own is restored after it; a check that times out breaks
   * the connection (pgjdbc closes it), and the replica is dropped.
   */
  private void check(Replica replica, long now) {
    replica.checkedAt = now;
    try {
      ReplayState state = OwnConnection.bounded(replica.connection, checkMillis, pg -> {
        try (ResultSet row = pg.execSQLQuery(ServerTracker.POLL_QUERY)) {
          row.next();
          return ReplayState.read(row);
        }
      });
      replica.connection.readGate().server().tracker().observe(state);
    } catch (SQLException | RuntimeException e) {
      drop(replica, "check failed: " + e.getMessage());
    }
  }

  private ProxyConnection open(Replica replica, SessionState state) {
    Properties properties = url.pgjdbcPropertiesForReplica();
    String pgjdbcUrl = url.pgjdbcUrlFor(replica.address);
    if (!properties.containsKey("connectTimeout") && !pgjdbcUrl.contains("connectTimeout=")) {
      properties.setProperty("connectTimeout", REPLICA_CONNECT_TIMEOUT);
    }
    // pgjdbc bounds a login only by socketTimeout: lend it one for the login, then take it back (below)
    boolean lentSocketTimeout = !properties.containsKey("socketTimeout") && !pgjdbcUrl.contains("socketTimeout=");
    if (lentSocketTimeout) {
      properties.setProperty("socketTimeout", REPLICA_CONNECT_TIMEOUT);
    }
    ProxyConnection connection = null;
    try {
      connection = connector.open(pgjdbcUrl, properties, originalUrl, url, replicaSettings);
      if (lentSocketTimeout) {
        connection.unwrap(BaseConnection.class).setNetworkTimeout(Runnable::run, 0);
      }
      String unfit = unfit(connection);
      if (unfit != null) {
        replica.health.failed(unfit, System.nanoTime());
        Jdbc.closeQuietly(connection);
        return null;
      }
      connection.readGate().routed(settings.replicaWait());
      state.applyTo(connection);
      replica.health.succeeded();
      replica.checkedAt = System.nanoTime();
      return connection;
    } catch (SQLException | RuntimeException e) {
      replica.health.failed(e.getMessage(), System.nanoTime());
      if (connection != null) {
        Jdbc.closeQuietly(connection);
      }
      return null;
    }
  }

  /** Why a replica connection must not serve reads now, or null if it may. */
  private String unfit(ProxyConnection connection) {
    try {
      if (connection.isClosed()) {
        return "closed";
      }
    } catch (SQLException e) {
      return "closed";
    }
    if (connection.role() != LsnWaitConnection.Role.REPLICA) {
      return "not in recovery (promoted?)";
    }
    if (connection.systemIdentifier() != primary.systemIdentifier()) {
      return "a server of another cluster (system identifier " + Long.toUnsignedString(connection.systemIdentifier())
          + ")";
    }
    ServerTracker tracker = connection.readGate().server().tracker();
    if (!tracker.isInRecovery() || connection.readGate().server().isRetired()) {
      return "not in recovery any more (promoted?)";
    }
    if (tracker.isUnreachable()) {
      return "out of its tracker's reach (down or hung?)"; // work sent there now might never come back
    }
    return null;
  }

  /** Whether {@code member} is one of the replicas. */
  boolean isReplica(ProxyConnection member) {
    return member != primary;
  }

  /** A replica connection broke: close it and skip its address for a while. */
  void dropBroken(ProxyConnection member, String why) {
    for (Replica replica : replicas) {
      if (replica.connection == member) {
        drop(replica, why);
      }
    }
  }

  private void drop(Replica replica, String why) {
    replica.health.failed(why, System.nanoTime());
    Jdbc.closeQuietly(replica.connection);
    replica.connection = null;
  }

  /** Every open member, the primary first. */
  List<ProxyConnection> open() {
    List<ProxyConnection> open = new ArrayList<>(1 + replicas.size());
    open.add(primary);
    for (Replica replica : replicas) {
      if (replica.connection != null) {
        open.add(replica.connection);
      }
    }
    return open;
  }

  /** Closes every member; the first failure is thrown after all were tried. */
  void close() throws SQLException {
    SQLException failure = null;
    for (ProxyConnection member : open()) {
      try {
        member.close();
      } catch (SQLException e) {
        failure = failure == null ? e : failure;
      }
    }
    for (Replica replica : replicas) {
      replica.connection = null;
    }
    if (failure != null) {
      throw failure;
    }
  }

  void abort(Executor executor) throws SQLException {
    for (ProxyConnection member : open()) {
      member.abort(executor);
    }
  }

  @Override
  public String toString() {
    List<String> addresses = new ArrayList<>();
    for (Replica replica : replicas) {
      addresses.add(replica.health.toString());
    }
    return "primary " + primary + ", replicas " + addresses;
  }
}

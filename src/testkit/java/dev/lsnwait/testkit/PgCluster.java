package dev.lsnwait.testkit;

import dev.lsnwait.Lsn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real primary and real streaming standbys on loopback, made from the binaries of {@link PgBinaries}. The first
 * standby ({@link #replica()}) is a copy of the primary's freshly initialised data directory; more are made from base
 * backups of the running primary ({@link #addStandby}). Lag is made on purpose with {@link #pauseReplay()} or a
 * replay delay; faults with {@link #restart}, {@link #promote} and {@link #rebuild}.
 */
public final class PgCluster implements AutoCloseable {

  private static final String[] PRIMARY_SETTINGS = {
    "listen_addresses = '127.0.0.1'",
    "max_connections = 300",
    "shared_buffers = '64MB'",
    "wal_level = replica",
    "max_wal_senders = 10",
    "wal_keep_size = '1GB'",
    "max_prepared_transactions = 20",
    "hot_standby = on",
    "hot_standby_feedback = on",
    "log_min_messages = warning"
  };

  private final Path base;
  private final PgServer primary;
  private final List<PgServer> standbys = new CopyOnWriteArrayList<>();
  private final Thread cleanup;

  private PgCluster(Path base, PgServer primary) {
    this.base = base;
    this.primary = primary;
    this.cleanup = new Thread(this::stopQuietly, "lsnwait-cluster-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /**
   * Starts a primary and a replica.
   *
   * @param replayDelay the replica's {@code recovery_min_apply_delay}; zero for none
   * @param durable whether the servers fsync (off for tests: faster, and a crash only loses test data)
   */
  public static PgCluster start(Duration replayDelay, boolean durable) {
    return start(replayDelay, durable, new String[0]);
  }

  /** As {@link #start(Duration, boolean)}, with extra postgresql.conf lines for both servers. */
  public static PgCluster start(Duration replayDelay, boolean durable, String... extraSettings) {
    Path bin = PgBinaries.binDirectory();
    Path base;
    try {
      base = Files.createTempDirectory("lsnwait-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PgServer.handOver(base);
    PgServer primary = PgServer.initialise(bin, base, "primary");
    primary.configure(PRIMARY_SETTINGS);
    primary.configure("unix_socket_directories = '" + base + "'"); // beside TCP, for RoutingProxy
    primary.configure("fsync = " + (durable ? "on" : "off"));
    if (extraSettings.length > 0) {
      primary.configure(extraSettings);
    }
    PgCluster cluster = new PgCluster(base, primary);
    try {
      PgServer replica = PgServer.copyOf(primary, "replica");
      cluster.makeStandby(replica, replayDelay);
      primary.start();
      replica.start();
      cluster.standbys.add(replica);
      cluster.awaitStreaming(replica, Duration.ofSeconds(60));
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public PgServer primary() {
    return primary;
  }

  /** The first standby. */
  public PgServer replica() {
    return standbys.get(0);
  }

  /** The lsnwait URL that routes ({@code lsnwait.replicas}): the primary, and every standby as its replicas. */
  public String routingUrl() {
    StringBuilder replicas = new StringBuilder();
    for (PgServer standby : standbys) {
      replicas.append(replicas.length() == 0 ? "" : ",").append("127.0.0.1:").append(standby.port());
    }
    return primary.lsnwaitUrl() + "?lsnwait.replicas=" + replicas;
  }

  /** Every standby, the first one first. */
  public List<PgServer> standbys() {
    return List.copyOf(standbys);
  }

  /** A new standby, made from a base backup of the running primary, streaming when this returns. */
  public PgServer addStandby(Duration replayDelay) {
    PgServer standby = PgServer.backupOf(primary, "standby" + (standbys.size() + 1), PgServer.freePort());
    makeStandby(standby, replayDelay);
    standby.start();
    standbys.add(standby);
    awaitStreaming(standby, Duration.ofSeconds(60));
    return standby;
  }

  /**
   * Rebuilds {@code server} (stopped or not, a standby or a promoted one) as a standby of the primary at the same
   * address, from a fresh base backup, as Patroni or CloudNativePG do after a failover. Streaming when this returns.
   */
  public void rebuild(PgServer server, Duration replayDelay) {
    server.stop("immediate");
    PgBinaries.deleteTree(server.dataDirectory());
    PgServer rebuilt = PgServer.backupOf(primary, server.dataDirectory().getFileName().toString(), server.port());
    makeStandby(rebuilt, replayDelay);
    server.start();
    awaitStreaming(server, Duration.ofSeconds(60));
  }

  /** Promotes a standby ({@code pg_promote()} waits until it is done). */
  public void promote(PgServer standby) {
    execute(standby, "SELECT pg_promote()");
  }

  /** Stops ({@code fast} or {@code immediate}, as a crash) and starts a server again at the same address. */
  public void restart(PgServer server, String mode) {
    server.stop(mode);
    server.start();
  }

  private void makeStandby(PgServer standby, Duration replayDelay) {
    standby.configure(
        "primary_conninfo = 'host=127.0.0.1 port=" + primary.port()
            + " user=postgres application_name=" + applicationName(standby) + "'",
        "recovery_min_apply_delay = '" + replayDelay.toMillis() + "ms'",
        "wal_receiver_status_interval = '1s'");
    standby.touch("standby.signal");
  }

  /** The name a standby streams under ({@code pg_stat_replication.application_name}). */
  private String applicationName(PgServer standby) {
    String name = standby.dataDirectory().getFileName().toString();
    return name.equals("replica") ? "lsnwait_replica" : "lsnwait_" + name;
  }

  /** The cluster's {@code system_identifier}. */
  public long systemIdentifier() {
    return queryLong(primary, "SELECT system_identifier FROM pg_control_system()");
  }

  /** Stops replay on the first standby: WAL written after this returns is not applied until resumed. */
  public void pauseReplay() {
    pauseReplay(replica());
  }

  public void resumeReplay() {
    resumeReplay(replica());
  }

  /** Stops replay on {@code standby} and waits until it reports replay paused. */
  public void pauseReplay(PgServer standby) {
    execute(standby, "SELECT pg_wal_replay_pause()");
    Deadline.await(Duration.ofSeconds(30), "replay paused on " + standby.port(),
        () -> "paused".equals(queryString(standby, "SELECT pg_get_wal_replay_pause_state()")));
  }

  /**
   * Resumes replay on the first standby after {@code delay}, from a background thread: a test can then start a read
   * that must wait for the replay, and see it end.
   */
  public void resumeReplayAfter(Duration delay) {
    Thread resume = new Thread(() -> {
      try {
        Thread.sleep(delay.toMillis());
        resumeReplay();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "lsnwait-testkit-resume");
    resume.setDaemon(true);
    resume.start();
  }

  public void resumeReplay(PgServer standby) {
    if (standby.isRunning()) {
      execute(standby, "SELECT pg_wal_replay_resume()");
    }
  }

  /** Sets the first standby's {@code recovery_min_apply_delay} and waits until the server reports it. */
  public void setReplayDelay(Duration delay) {
    setReplayDelay(replica(), delay);
  }

  /** Sets a standby's {@code recovery_min_apply_delay} and waits until the server reports it. */
  public void setReplayDelay(PgServer standby, Duration delay) {
    String value = delay.toMillis() + "ms";
    execute(standby, "ALTER SYSTEM SET recovery_min_apply_delay = '" + value + "'");
    execute(standby, "SELECT pg_reload_conf()");
    Deadline.await(
        Duration.ofSeconds(30),
        "recovery_min_apply_delay = " + value,
        () -> "t".equals(queryString(standby,
            "SELECT current_setting('recovery_min_apply_delay')::interval = interval '" + delay.toMillis()
                + " milliseconds'")));
  }

  /**
   * Makes the first standby a synchronous standby with {@code synchronous_commit = remote_apply} on the primary
   * (every commit waits until it applied it), or undoes it.
   */
  public void setRemoteApply(boolean on) {
    if (on) {
      execute(primary, "ALTER SYSTEM SET synchronous_standby_names = '" + applicationName(replica()) + "'");
      execute(primary, "ALTER SYSTEM SET synchronous_commit = 'remote_apply'");
    } else {
      execute(primary, "ALTER SYSTEM RESET synchronous_standby_names");
      execute(primary, "ALTER SYSTEM RESET synchronous_commit");
    }
    execute(primary, "SELECT pg_reload_conf()");
    String state = on ? "sync" : "async";
    Deadline.await(
        Duration.ofSeconds(30),
        "the replica to be " + state,
        () -> queryLong(primary, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = '" + state + "'") == 1);
  }

  /** Waits until the first standby has replayed everything the primary has written so far. */
  public void awaitReplicaCaughtUp(Duration timeout) {
    awaitCaughtUp(replica(), timeout);
  }

  /** Waits until {@code standby} has replayed everything the primary has written so far. */
  public void awaitCaughtUp(PgServer standby, Duration timeout) {
    Lsn target =
        Lsn.parse(queryString(primary, "SELECT pg_current_wal_insert_lsn()::text")).normalize(8192, 16 << 20);
    Deadline deadline = Deadline.after(timeout);
    while (!replayedOn(standby).isAtLeast(target)) {
      deadline.checkOrFail(standby.port() + " to replay " + target + " (at " + replayedOn(standby) + ")");
      Deadline.pause();
    }
  }

  public Lsn replayedOnReplica() {
    return replayedOn(replica());
  }

  public static Lsn replayedOn(PgServer standby) {
    String replayed = queryString(standby, "SELECT pg_last_wal_replay_lsn()::text");
    return replayed == null ? Lsn.ZERO : Lsn.parse(replayed);
  }

  private void awaitStreaming(PgServer standby, Duration timeout) {
    String name = applicationName(standby);
    Deadline deadline = Deadline.after(timeout);
    while (queryLong(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
        + " AND application_name = '" + name + "'") < 1) {
      deadline.checkOrFail(name + " to stream from the primary\n" + standby.logTail());
      Deadline.pause();
    }
  }

  public static void execute(PgServer server, String sql) {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public static long queryLong(PgServer server, String sql) {
    String value = queryString(server, sql);
    return value == null ? 0 : Long.parseLong(value);
  }

  public static String queryString(PgServer server, String sql) {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private void stopQuietly() {
    List<PgServer> servers = new ArrayList<>(standbys);
    servers.add(primary);
    for (PgServer server : servers) {
      try {
        server.stop("immediate");
      } catch (RuntimeException e) {
        // best effort at shutdown
      }
    }
    PgBinaries.deleteTree(base);
  }

  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}

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

/**
 * A real primary and a real streaming replica on loopback, made from the binaries of {@link PgBinaries}: the
 * replica is a copy of the primary's freshly initialised data directory with {@code standby.signal} and
 * {@code primary_conninfo}. Lag is made on purpose with {@link #pauseReplay()} or a replay delay.
 */
public final class PgCluster implements AutoCloseable {

  private final Path base;
  private final PgServer primary;
  private final PgServer replica;
  private final Thread cleanup;

  private PgCluster(Path base, PgServer primary, PgServer replica) {
    this.base = base;
    this.primary = primary;
    this.replica = replica;
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
    primary.configure(
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        "max_connections = 300",
        "shared_buffers = '64MB'",
        "wal_level = replica",
        "max_wal_senders = 10",
        "wal_keep_size = '1GB'",
        "max_prepared_transactions = 20",
        "hot_standby = on",
        "hot_standby_feedback = on",
        "fsync = " + (durable ? "on" : "off"),
        "log_min_messages = warning");
    if (extraSettings.length > 0) {
      primary.configure(extraSettings);
    }
    PgServer replica = PgServer.copyOf(primary, "replica");
    replica.configure(
        "primary_conninfo = 'host=127.0.0.1 port=" + primary.port()
            + " user=postgres application_name=lsnwait_replica'",
        "recovery_min_apply_delay = '" + replayDelay.toMillis() + "ms'",
        "wal_receiver_status_interval = '1s'");
    replica.touch("standby.signal");
    PgCluster cluster = new PgCluster(base, primary, replica);
    try {
      primary.start();
      replica.start();
      cluster.awaitStreaming(Duration.ofSeconds(60));
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public PgServer primary() {
    return primary;
  }

  public PgServer replica() {
    return replica;
  }

  /** The cluster's {@code system_identifier}. */
  public long systemIdentifier() {
    return queryLong(primary, "SELECT system_identifier FROM pg_control_system()");
  }

  /** Stops replay on the replica: WAL written after this returns is not applied until {@link #resumeReplay()}. */
  public void pauseReplay() {
    execute(replica, "SELECT pg_wal_replay_pause()");
  }

  public void resumeReplay() {
    execute(replica, "SELECT pg_wal_replay_resume()");
  }

  /** Sets the replica's {@code recovery_min_apply_delay} and waits until the server reports it. */
  public void setReplayDelay(Duration delay) {
    String value = delay.toMillis() + "ms";
    execute(replica, "ALTER SYSTEM SET recovery_min_apply_delay = '" + value + "'");
    execute(replica, "SELECT pg_reload_conf()");
    Deadline.await(
        Duration.ofSeconds(30),
        "recovery_min_apply_delay = " + value,
        () -> "t".equals(queryString(replica,
            "SELECT current_setting('recovery_min_apply_delay')::interval = interval '" + delay.toMillis()
                + " milliseconds'")));
  }

  /**
   * Makes the replica a synchronous standby with {@code synchronous_commit = remote_apply} on the primary (every
   * commit waits until the replica applied it), or undoes it.
   */
  public void setRemoteApply(boolean on) {
    if (on) {
      execute(primary, "ALTER SYSTEM SET synchronous_standby_names = 'lsnwait_replica'");
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

  /** Waits until the replica has replayed everything the primary has written so far. */
  public void awaitReplicaCaughtUp(Duration timeout) {
    Lsn target =
        Lsn.parse(queryString(primary, "SELECT pg_current_wal_insert_lsn()::text")).normalize(8192, 16 << 20);
    Deadline deadline = Deadline.after(timeout);
    while (!replayedOnReplica().isAtLeast(target)) {
      deadline.checkOrFail("replica to replay " + target + " (at " + replayedOnReplica() + ")");
      Deadline.pause();
    }
  }

  public Lsn replayedOnReplica() {
    String replayed = queryString(replica, "SELECT pg_last_wal_replay_lsn()::text");
    return replayed == null ? Lsn.ZERO : Lsn.parse(replayed);
  }

  private void awaitStreaming(Duration timeout) {
    Deadline deadline = Deadline.after(timeout);
    while (queryLong(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") < 1) {
      deadline.checkOrFail("the replica to stream from the primary\n" + replica.logTail());
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
    for (PgServer server : new PgServer[] {replica, primary}) {
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

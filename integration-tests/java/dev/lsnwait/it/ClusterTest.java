package dev.lsnwait.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import dev.lsnwait.testkit.SharedCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Shared set-up for the integration tests: the real primary + replica, pools, and conditions with deadlines. */
abstract class ClusterTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final AtomicInteger TABLES = new AtomicInteger();

  static PgCluster cluster;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void startCluster() {
    cluster = SharedCluster.get();
  }

  @BeforeEach
  void cleanContext() {
    LsnContext.clear();
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.resumeReplay();
    LsnContext.clear();
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
    toClose.clear();
  }

  /** Closes each of {@code things} that is not null, in order. */
  static void closeAll(AutoCloseable... things) throws Exception {
    for (AutoCloseable thing : things) {
      if (thing != null) {
        thing.close();
      }
    }
  }

  <T extends AutoCloseable> T closeLater(T closeable) {
    toClose.add(closeable);
    return closeable;
  }

  /**
   * A primary and standby of the test's own (it will stop, promote or rebuild them), stopped after the test, with
   * an empty table {@code (id int primary key, note text)} that the standby has replayed.
   */
  PgCluster ownCluster(String table) {
    PgCluster own = closeLater(PgCluster.start(Duration.ZERO, false));
    PgCluster.execute(own.primary(), "CREATE TABLE " + table + " (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(own.replica(), PATIENCE);
    return own;
  }

  /** A HikariCP pool on the lsnwait URL of {@code server}, with extra data source properties. */
  HikariDataSource pool(PgServer server, Map<String, String> properties) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.lsnwaitUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(4);
    config.setPoolName("test-" + server.port());
    properties.forEach(config::addDataSourceProperty);
    return closeLater(new HikariDataSource(config));
  }

  HikariDataSource pool(PgServer server) {
    return pool(server, Map.of());
  }

  /** A HikariCP pool on the plain pgjdbc URL of {@code server}: what users have today. */
  HikariDataSource plainPool(PgServer server) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.jdbcUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(4);
    return closeLater(new HikariDataSource(config));
  }

  /** Creates a fresh table {@code (id int primary key, note text)} and waits until the replica has it. */
  String newTable() {
    String table = "t_" + getClass().getSimpleName().toLowerCase() + "_" + TABLES.incrementAndGet();
    PgCluster.execute(cluster.primary(), "CREATE TABLE " + table + " (id int PRIMARY KEY, note text)");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    return table;
  }

  /** Inserts row {@code id} through {@code primary} in auto-commit: one committed write. */
  static void insert(DataSource primary, String table, int id) throws SQLException {
    try (Connection c = primary.getConnection()) {
      ReadYourWritesIT.CommitStyle.AUTO_COMMIT_STATEMENT.write(c, table, id);
    }
  }

  /** Runs {@code sql} in auto-commit on a connection of {@code pool}. */
  static void execute(DataSource pool, String sql) throws SQLException {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static long count(Connection connection, String table, int id) throws SQLException {
    try (Statement statement = connection.createStatement();
        var rows = statement.executeQuery("SELECT count(*) FROM " + table + " WHERE id = " + id)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  static ReplicaTracker trackerOf(HikariDataSource replicaPool) throws SQLException {
    try (Connection connection = replicaPool.getConnection()) {
      return connection.unwrap(LsnWaitConnection.class).replicaTracker().orElseThrow();
    }
  }

  /** Waits until at least {@code waiters} readers wait on the tracker (proves a read is blocked, not just slow). */
  static void awaitWaiters(ReplicaTracker tracker, int waiters) {
    Deadline.await(PATIENCE, waiters + " waiter(s) on " + tracker.name(), () -> tracker.stats().waiters() >= waiters);
  }
}

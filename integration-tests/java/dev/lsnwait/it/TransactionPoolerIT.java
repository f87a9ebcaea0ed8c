package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.testkit.PgBouncer;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import dev.lsnwait.testkit.RoutingProxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real PgBouncer in transaction mode over two standbys (one keeping up, one 300 ms behind): consecutive
 * transactions of one client connection run on either. The check "has the server of this read replayed the token?"
 * must run on the server that runs the read, in the read's own transaction.
 */
class TransactionPoolerIT extends ClusterTest {

  private static final int THREADS = 4;
  private static final int ROUNDS = 25;

  private static PgCluster own;
  private static RoutingProxy balancer;
  private static PgBouncer bouncer;

  /** What lsnwait logs about the servers it reached (the pooler notice), from the first connection on. */
  private static final List<String> SERVER_LOG = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final java.util.logging.Logger SERVER_LOGGER = // held: the log manager keeps loggers weakly
      java.util.logging.Logger.getLogger("dev.lsnwait.server");
  private static final java.util.logging.Handler SERVER_LOG_HANDLER = new java.util.logging.Handler() {
    @Override
    public void publish(java.util.logging.LogRecord record) {
      SERVER_LOG.add(record.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  static void startPooler() throws Exception {
    assumeTrue(PgBouncer.isInstalled(), "needs pgbouncer (apt-get install pgbouncer)");
    SERVER_LOGGER.setLevel(java.util.logging.Level.INFO); // the tests' logging.properties keep warnings only
    SERVER_LOGGER.addHandler(SERVER_LOG_HANDLER);
    own = PgCluster.start(Duration.ZERO, false);
    PgServer slow = own.addStandby(Duration.ofMillis(300));
    PgCluster.execute(own.primary(), "CREATE TABLE pooled (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(own.replica(), PATIENCE);
    own.awaitCaughtUp(slow, PATIENCE);
    balancer = new RoutingProxy(own.replica(), slow);
    bouncer = PgBouncer.transactionPooling(balancer.port(), 4);
  }

  @AfterAll
  static void stopPooler() throws Exception {
    SERVER_LOGGER.removeHandler(SERVER_LOG_HANDLER);
    SERVER_LOGGER.setLevel(null);
    closeAll(bouncer, balancer, own);
  }

  @Test
  void autoSaysOncePerStandbyThatItTookTheAddressForAPooler() throws Exception {
    HikariDataSource replica = pooled(null);
    for (int i = 0; i < 20; i++) {
      try (Connection c = replica.getConnection()) {
        c.setAutoCommit(true);
      }
    }
    long notices = SERVER_LOG.stream().filter(message -> message.contains("through a pooler")).count();
    assertTrue(notices >= 1 && notices <= 2, "once per standby behind the pooler: " + SERVER_LOG);
    assertTrue(SERVER_LOG.stream().anyMatch(message -> message.contains("lsnwait.pooler=none")), SERVER_LOG::toString);
  }

  private HikariDataSource pooled(String isolation) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(bouncer.lsnwaitUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(THREADS);
    if (isolation != null) {
      config.setTransactionIsolation(isolation);
    }
    return closeLater(new HikariDataSource(config));
  }

  @Test
  void theTransactionsOfTheSameConnectionsRunOnBothStandbys() throws Exception {
    Set<Integer> ports = ConcurrentHashMap.newKeySet();
    Set<String> spread = ConcurrentHashMap.newKeySet(); // connections whose transactions ran on both
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    closeLater(threads::shutdownNow);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      String name = "connection " + t;
      workers.add(threads.submit(() -> {
        try (Connection c = java.sql.DriverManager.getConnection(bouncer.jdbcUrl(), "postgres", "")) {
          Set<Integer> mine = new java.util.HashSet<>();
          for (int i = 0; i < 50; i++) {
            mine.add(port(c));
          }
          ports.addAll(mine);
          if (mine.size() == 2) {
            spread.add(name);
          }
        }
        return null;
      }));
    }
    for (Future<?> worker : workers) {
      worker.get(60, TimeUnit.SECONDS);
    }
    assertEquals(Set.of(own.replica().port(), own.standbys().get(1).port()), ports);
    assertFalse(spread.isEmpty(), "some connection's transactions ran on both standbys");
  }

  private static int port(Connection connection) throws Exception {
    try (Statement s = connection.createStatement(); ResultSet row = s.executeQuery("SELECT inet_server_port()")) {
      row.next();
      return row.getInt(1);
    }
  }

  @Test
  void autoCommitReadsAreNeverStale() throws Exception {
    assertEquals(0, staleReads(pooled(null), true, 1_000));
  }

  @Test
  void readsInTransactionsAreNeverStale() throws Exception {
    assertEquals(0, staleReads(pooled(null), false, 10_000));
  }

  @Test
  void repeatableReadTransactionsAreNeverStale() throws Exception {
    assertEquals(0, staleReads(pooled("TRANSACTION_REPEATABLE_READ"), false, 20_000));
  }

  /** Write-then-read pairs on {@code THREADS} threads: how many reads missed their own write. */
  private int staleReads(HikariDataSource replica, boolean autoCommit, int firstId) throws Exception {
    HikariDataSource primary = pool(own.primary());
    AtomicInteger stale = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    closeLater(threads::shutdownNow);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int base = firstId + t * ROUNDS;
      workers.add(threads.submit(() -> {
        for (int id = base; id < base + ROUNDS; id++) {
          LsnContext.clear();
          insert(primary, "pooled", id);
          LsnToken token = LsnContext.current();
          try (LsnContext.Scope scope = LsnContext.open(token); Connection c = replica.getConnection()) {
            c.setAutoCommit(autoCommit);
            long found = count(c, "pooled", id);
            if (!autoCommit) {
              c.commit();
            }
            stale.addAndGet(found == 0 ? 1 : 0);
          }
        }
        return null;
      }));
    }
    for (Future<?> worker : workers) {
      worker.get(120, TimeUnit.SECONDS);
    }
    return stale.get();
  }
}

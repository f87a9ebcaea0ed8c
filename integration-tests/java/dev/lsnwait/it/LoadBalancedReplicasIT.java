package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import dev.lsnwait.testkit.RoutingProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two standbys with different replay delays behind one address that spreads connections over them (a Kubernetes
 * read-only Service, HAProxy, round-robin DNS). The balancer sends lsnwait's own tracker connections to the fast
 * standby, as an unlucky balancer may: a read on the slow one must still wait for the slow one.
 */
class LoadBalancedReplicasIT extends ClusterTest {

  private static final int READS = 200;

  private static PgCluster own;
  private static PgServer fast;
  private static PgServer slow;
  private static RoutingProxy balancer;

  @BeforeAll
  static void startStandbys() throws Exception {
    own = PgCluster.start(Duration.ZERO, false);
    fast = own.replica();
    slow = own.addStandby(Duration.ofMillis(50));
    balancer = new RoutingProxy(fast, slow);
    balancer.pin("lsnwait tracker", fast);
    PgCluster.execute(own.primary(), "CREATE TABLE balanced (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(fast, PATIENCE);
    own.awaitCaughtUp(slow, PATIENCE);
  }

  @AfterAll
  static void stopStandbys() throws Exception {
    balancer.close();
    own.close();
  }

  @Test
  void everyReadSeesItsOwnWriteWhicheverStandbyTheBalancerPicked() throws Exception {
    HikariDataSource primary = pool(own.primary());
    Result result = writeThenRead(primary, balancer.lsnwaitUrl(), 0);
    assertEquals(Set.of(fast.port(), slow.port()), result.servers, "reads were served by both standbys");
    assertEquals(0, result.stale, "stale reads through the balancer");
    List<String> names = new ArrayList<>();
    for (ReplicaTracker tracker : LsnWaitDriver.trackers()) {
      names.add(tracker.name());
    }
    assertTrue(names.contains("127.0.0.1:" + fast.port()) && names.contains("127.0.0.1:" + slow.port()),
        "one tracker per standby, named by the server itself: " + names);
  }

  @Test
  void whereNoConnectionOfItsOwnReachesAStandbyReadersWaitOnTheirOwnConnections() throws Exception {
    // Through Unix sockets a standby cannot tell its address, so lsnwait cannot reach one it first met there
    // directly; and the balancer still sends every tracker connection to the fast one.
    PgServer hidden = own.addStandby(Duration.ofMillis(50));
    balancer.routeByUnixSocket(fast, hidden);
    try {
      HikariDataSource primary = pool(own.primary());
      Result result = writeThenRead(primary, balancer.lsnwaitUrl(), 2000);
      assertEquals(0, result.stale, "stale reads through the balancer");
      long ownConnectionWaits = 0;
      for (ReplicaTracker tracker : LsnWaitDriver.trackers()) {
        ownConnectionWaits += tracker.stats().waitsOnOwnConnection();
      }
      assertTrue(ownConnectionWaits > 0, "readers of the slow standby waited on their own connections");
    } finally {
      balancer.route(fast, slow);
      hidden.stop("immediate");
    }
  }

  @Test
  void plainPgjdbcThroughTheSameBalancerReadsStale() throws Exception {
    HikariDataSource primary = plainPool(own.primary());
    Result result = writeThenRead(primary, balancer.jdbcUrl(), 1000);
    assertTrue(result.stale > 0, "without lsnwait the slow standby serves stale reads");
  }

  private record Result(int stale, Set<Integer> servers) {}

  /** Writes a row, then reads it back through one of four connections to the balancer, in turn. */
  private Result writeThenRead(DataSource primary, String replicaUrl, int firstId) throws SQLException {
    List<Connection> replicas = new ArrayList<>();
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    for (int i = 0; i < 4; i++) {
      replicas.add(closeLater(DriverManager.getConnection(replicaUrl, user)));
    }
    int stale = 0;
    Set<Integer> servers = new TreeSet<>();
    for (int i = 0; i < READS; i++) {
      int id = firstId + i;
      insert(primary, "balanced", id);
      Connection replica = replicas.get(i % replicas.size());
      try (Statement statement = replica.createStatement();
          ResultSet row = statement.executeQuery(
              "SELECT count(*), current_setting('port')::int FROM balanced WHERE id = " + id)) {
        row.next();
        stale += row.getLong(1) == 0 ? 1 : 0;
        servers.add(row.getInt(2));
      }
      if (servers.size() < 2 && i == replicas.size()) {
        throw new IllegalStateException("the balancer did not spread connections: " + servers);
      }
      LsnContext.clear();
    }
    return new Result(stale, servers);
  }
}

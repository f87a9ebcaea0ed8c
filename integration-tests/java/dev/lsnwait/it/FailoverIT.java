package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Servers change role and state under lsnwait's feet: a standby is promoted (a failover, or a split brain), then
 * rebuilt as a standby at the same address, as Patroni, repmgr and CloudNativePG do.
 */
class FailoverIT extends ClusterTest {

  @Test
  void promotedThenRebuiltStandbyAtTheSameAddressIsWaitedForAgain() throws Exception {
    PgCluster own = ownCluster("rebuilt");
    PgServer standby = own.replica();
    HikariDataSource primary = pool(own.primary());
    HikariDataSource before = pool(standby, Map.of("lsnwait.timeout", "10s"));
    insert(primary, "rebuilt", 1);
    try (Connection c = before.getConnection()) {
      assertEquals(1L, count(c, "rebuilt", 1));
    }

    own.promote(standby);
    // Someone reads there with a token while it is promoted: its tracker sees it out of recovery, and a position
    // beyond what it replayed is refused at once (the old primary may have written it after the fork).
    try (LsnContext.Scope scope = LsnContext.open(LsnToken.of(own.systemIdentifier(), Lsn.parse("FFFFFFFF/0")));
        Connection c = before.getConnection()) {
      org.junit.jupiter.api.Assertions.assertThrows(dev.lsnwait.ReplicaPromotedException.class,
          () -> count(c, "rebuilt", 1));
    }
    // A new connection there is a primary now (a split brain, briefly).
    try (Connection c = connect(standby)) {
      assertEquals(LsnWaitConnection.Role.PRIMARY, c.unwrap(LsnWaitConnection.class).role());
    }

    own.rebuild(standby, Duration.ofMillis(100));
    LsnContext.clear();
    HikariDataSource after = pool(standby, Map.of("lsnwait.timeout", "10s"));
    int stale = 0;
    for (int id = 100; id < 140; id++) {
      insert(primary, "rebuilt", id);
      try (Connection c = after.getConnection()) {
        stale += count(c, "rebuilt", id) == 0 ? 1 : 0;
      }
    }
    assertEquals(0, stale, "stale reads on the rebuilt standby");
  }

  @Test
  void tokensComeFromTheServerThatCommittedEvenWhenAnotherPrimaryOfTheClusterIsKnown() throws Exception {
    PgCluster own = ownCluster("split");
    PgServer promoted = own.replica();
    HikariDataSource primary = pool(own.primary());
    insert(primary, "split", 1);
    LsnContext.current();

    Deadline.await(PATIENCE, "the primary pool to be full",
        () -> primary.getHikariPoolMXBean().getTotalConnections() == primary.getMaximumPoolSize());
    own.promote(promoted);
    try (Connection c = connect(promoted)) { // the latest primary-role connection of the cluster is there
      assertEquals(LsnWaitConnection.Role.PRIMARY, c.unwrap(LsnWaitConnection.class).role());
    }
    // lsnwait's own connection to the old primary dies (a network blip): it must reconnect to that server.
    PgCluster.execute(own.primary(),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lsnwait position'");
    // The old primary writes on: its WAL moves far ahead of the promoted server's.
    PgCluster.execute(own.primary(), "INSERT INTO split SELECT g, repeat('x', 500) FROM generate_series(2, 5000) g");
    LsnContext.clear();
    insert(primary, "split", 6000);
    Lsn committed = Lsn.parse(PgCluster.queryString(own.primary(), "SELECT pg_current_wal_insert_lsn()::text"));
    Lsn token = currentPosition(own.systemIdentifier());
    assertTrue(token.isAtLeast(Lsn.of(committed.asLong() - 8192)),
        "the token " + token + " covers the commit on the server that made it (at " + committed + ")");
  }

  /** The context's position; a read that meets the connection the server killed may fail once. */
  private static Lsn currentPosition(long cluster) throws Exception {
    try {
      return LsnContext.current().lsnFor(cluster).orElseThrow();
    } catch (java.sql.SQLException e) {
      return LsnContext.current().lsnFor(cluster).orElseThrow();
    }
  }

  private static Connection connect(PgServer server) throws Exception {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    return DriverManager.getConnection(server.lsnwaitUrl(), user);
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.LsnWaitDataSource;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaPromotedException;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tokens carry their WAL timeline; a promoted standby holds only what it replayed and its own timeline's writes:
 * where a token's timeline could be lost or misleading (merged tokens, capped unsigned tokens, a routing check that
 * sees the promotion first, the wait before borrowing).
 */
class TimelineIT extends ClusterTest {

  /**
   * A session that wrote on the old primary after the failover (timeline 1, a split brain) and then on the promoted
   * standby (timeline 2) holds one merged position per cluster. Were it taken for the promoted standby's own write
   * (timeline 2), the read would run without the old primary's row: positions of two timelines merge on the earlier
   * one, so the promoted standby refuses it as it refuses the old primary's write alone.
   */
  @Test
  void aTokenMergedFromTwoTimelinesIsNotHeldByThePromotedStandby() throws Exception {
    PgCluster own = ownCluster("merged");
    HikariDataSource oldPrimary = pool(own.primary());
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "5s"));
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, "merged", 1)); // a replica connection, opened while it is a standby
    }
    own.promote(own.replica()); // the old primary is not fenced
    HikariDataSource promoted = pool(own.replica(), Map.of("lsnwait.role", "primary"));

    insert(oldPrimary, "merged", 1); // timeline 1, after the switch: the promoted standby never has it
    LsnToken oldOnly = LsnContext.current();
    try (LsnContext.Scope scope = LsnContext.open(oldOnly); Connection c = replica.getConnection()) {
      assertThrows(ReplicaPromotedException.class, () -> count(c, "merged", 1),
          "the old primary's write alone: told it is not there");
    }

    insert(promoted, "merged", 2); // timeline 2, same thread: the context merges both
    LsnToken merged = LsnContext.current();
    long id = own.systemIdentifier();
    assertEquals(1, merged.timelineFor(id), "two timelines merge on the earlier: " + merged);
    try (LsnContext.Scope scope = LsnContext.open(merged); Connection c = replica.getConnection()) {
      long rows;
      try {
        rows = count(c, "merged", 1);
      } catch (ReplicaPromotedException e) {
        return; // what the old primary's write alone gets: correct
      }
      fail("stale read: the token " + merged + " includes the old primary's write on timeline 1 at "
          + oldOnly.lsnFor(id).orElseThrow() + ", which the promoted standby never replayed, yet the read ran and saw "
          + rows + " row(s)");
    }
  }

  /**
   * Was (token loses its timeline; a read that should succeed fails). {@code LsnWaitDriver.capToPrimaries} (what
   * {@code LsnWaitFilter} does to every unsigned incoming token) rebuilds the token from positions only: the
   * timeline is dropped. A promoted standby's own write (timeline 2, beyond where its replay ended) then reads as
   * "a position beyond its replay, timeline unknown", and the read fails with {@link ReplicaPromotedException} on the
   * very server that wrote it.
   */
  @Test
  void cappingAnUnsignedTokenKeepsItsTimeline() throws Exception {
    PgCluster own = ownCluster("capped");
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "5s"));
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, "capped", 1));
    }
    own.promote(own.replica());
    HikariDataSource promoted = pool(own.replica(), Map.of("lsnwait.role", "primary"));
    insert(promoted, "capped", 1);
    LsnToken token = LsnContext.current();
    LsnContext.clear();
    long id = own.systemIdentifier();
    assertEquals(2, token.timelineFor(id));
    try (LsnContext.Scope scope = LsnContext.open(token); Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "capped", 1), "the token as made: read at once");
    }

    LsnToken capped = LsnWaitDriver.capToPrimaries(token, Duration.ofSeconds(5));
    assertEquals(token.lsnFor(id), capped.lsnFor(id), "a genuine token is not lowered");
    try (LsnContext.Scope scope = LsnContext.open(capped); Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "capped", 1), "the same token after capping: " + capped);
    } catch (ReplicaPromotedException e) {
      fail("capping dropped the token's timeline (" + token + " -> " + capped + "), and the promoted server"
          + " refuses its own write: " + e.getMessage());
    }
    assertEquals(2, capped.timelineFor(id), "capped: " + capped);
  }

  /**
   * Coverage: {@code LsnWaitDataSource} (BorrowGate, which asks {@code isReplicated} without timelines) around a
   * replica pool whose standby was promoted. Its own timeline's write is borrowed and read at once; the old primary's
   * later write is refused at once, not at the timeout.
   */
  @Test
  void borrowGateAroundAPromotedStandbyNeitherWaitsNorServesStale() throws Exception {
    PgCluster own = ownCluster("borrow");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(own.replica().lsnwaitUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    config.addDataSourceProperty("lsnwait.timeout", "10s");
    HikariDataSource hikari = closeLater(new HikariDataSource(config));
    LsnWaitDataSource replica = new LsnWaitDataSource(hikari);
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, "borrow", 1)); // learnt
    }
    HikariDataSource oldPrimary = pool(own.primary());
    own.promote(own.replica());
    HikariDataSource promoted = pool(own.replica(), Map.of("lsnwait.role", "primary"));

    for (int id = 1; id <= 5; id++) {
      insert(promoted, "borrow", id);
      long started = System.nanoTime();
      try (Connection c = replica.getConnection()) {
        assertEquals(1L, count(c, "borrow", id));
      }
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(millis < 2_000, "the promoted server's own write " + id + " took " + millis + " ms to borrow");
    }

    LsnContext.clear();
    insert(oldPrimary, "borrow", 100);
    long started = System.nanoTime();
    SQLException e = assertThrows(SQLException.class, () -> {
      try (Connection c = replica.getConnection()) {
        count(c, "borrow", 100);
      }
    });
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertInstanceOf(ReplicaPromotedException.class, e, e.toString());
    assertTrue(millis < 5_000, "told after " + millis + " ms, not at once");
  }

  /**
   * Was (a read that should succeed fails). A routing connection's periodic check of its replica
   * ({@code Members.check}) feeds the shared tracker through {@code observe(boolean, Lsn)}, which carries no timeline:
   * when that check is the first to see the promotion, the tracker records "out of recovery, timeline unknown", and
   * nothing that waits corrects it (a server out of recovery is never polled again). A plain replica pool on the same
   * server then refuses the promoted server's own timeline-2 write (a token from another service) with
   * {@link ReplicaPromotedException}; without the routing connection's check the same read succeeds.
   */
  @Test
  void aRoutingCheckThatSeesThePromotionFirstKeepsItsTimeline() throws Exception {
    PgCluster own = ownCluster("checked");
    PgServer standby = own.replica();
    HikariDataSource replica = pool(standby, Map.of("lsnwait.timeout", "5s"));
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, "checked", 1));
    }
    // the pool is full before the promotion: a connection opened after it would teach the tracker the timeline
    Deadline.await(PATIENCE, "the replica pool to be full",
        () -> replica.getHikariPoolMXBean().getTotalConnections() == 4);
    java.util.Properties user = new java.util.Properties();
    user.setProperty("user", "postgres");
    try (Connection routing = closeLater(java.sql.DriverManager.getConnection(own.routingUrl(), user))) {
      routing.setReadOnly(true);
      // until the function catalog is read, a function call counts as a possible write and runs on the primary
      Deadline.await(PATIENCE, "read-only work to go to the replica", () -> port(routing) == standby.port());
      own.promote(standby);
      Deadline.await(PATIENCE, "the routing connection to drop its promoted replica",
          () -> port(routing) == own.primary().port());
    }
    // a write on the promoted server, its token made elsewhere (another service, a job payload)
    PgCluster.execute(standby, "INSERT INTO checked VALUES (1, 'on timeline 2')");
    long id = own.systemIdentifier();
    LsnToken token = LsnToken.of(id,
        Lsn.parse(PgCluster.queryString(standby, "SELECT pg_current_wal_insert_lsn()::text")), 2);
    try (LsnContext.Scope scope = LsnContext.open(token); Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "checked", 1), "the promoted server's own write, timeline 2");
    } catch (ReplicaPromotedException e) {
      fail("the routing check left the tracker without its timeline: " + e.getMessage());
    }
  }

  private static int port(Connection connection) {
    try (java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet row = statement.executeQuery("SELECT current_setting('port')::int")) {
      row.next();
      return row.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

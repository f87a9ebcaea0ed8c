package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.ReadConsistency;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Read consistency beyond the thread's own writes, against a replica whose replay is paused: global reads wait for
 * everyone's commits; bounded-staleness reads wait only for commits older than the bound, and for their own.
 */
class ReadConsistencyIT extends ClusterTest {

  private final ExecutorService reader = Executors.newSingleThreadExecutor();

  private ExecutorService reader() {
    closeLater(reader::shutdownNow);
    return reader;
  }

  /** The application's primary pool, opened: lsnwait reads the primary's position on a connection of its own. */
  private HikariDataSource lsnwaitPrimary() throws SQLException {
    HikariDataSource primary = pool(cluster.primary());
    primary.getConnection().close();
    return primary;
  }

  private static long countIn(DataSource replica, String table, int id) throws SQLException {
    try (Connection c = replica.getConnection()) {
      return count(c, table, id);
    }
  }

  @Test
  void aGlobalReadWaitsForEveryonesCommitsASessionReadDoesNot() throws Exception {
    String table = newTable();
    lsnwaitPrimary();
    HikariDataSource others = plainPool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    insert(others, table, 1);
    assertEquals(0, countIn(replica, table, 1), "a session read does not wait for others' writes");
    Future<Long> global =
        reader().submit(() -> ReadConsistency.callWith(ReadConsistency.GLOBAL, () -> countIn(replica, table, 1)));
    awaitWaiters(tracker, 1);
    assertFalse(global.isDone());
    cluster.resumeReplay();
    assertEquals(1L, global.get(30, TimeUnit.SECONDS));
  }

  @Test
  void theUrlSetsAConnectionsConsistency() throws Exception {
    String table = newTable();
    lsnwaitPrimary();
    HikariDataSource others = plainPool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.consistency", "global"));
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    insert(others, table, 1);
    Future<Long> read = reader().submit(() -> countIn(replica, table, 1));
    awaitWaiters(tracker, 1);
    cluster.resumeReplay();
    assertEquals(1L, read.get(30, TimeUnit.SECONDS));
    assertEquals(0L, ReadConsistency.callWith(ReadConsistency.SESSION, () -> countIn(replica, table, -1)),
        "a scope's level wins over the URL's");
  }

  @Test
  void aBoundedReadWaitsOnlyForCommitsOlderThanTheBound() throws Exception {
    String table = newTable();
    lsnwaitPrimary();
    HikariDataSource others = plainPool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    ReadConsistency generous = ReadConsistency.boundedStaleness(Duration.ofSeconds(30));
    ReadConsistency.callWith(ReadConsistency.GLOBAL, () -> countIn(replica, table, 1)); // a position read, now
    cluster.pauseReplay();
    insert(others, table, 1);
    long waitsBefore = tracker.stats().waits();
    assertEquals(0L, ReadConsistency.callWith(generous, () -> countIn(replica, table, 1)),
        "within 30 s of staleness the paused replica serves at once");
    assertEquals(waitsBefore, tracker.stats().waits());
    long written = System.nanoTime();
    Thread.sleep(150); // the semantics are about time: let the write become older than a 100 ms bound
    assertTrue(System.nanoTime() - written >= Duration.ofMillis(100).toNanos());
    ReadConsistency tight = ReadConsistency.boundedStaleness(Duration.ofMillis(100));
    Future<Long> bounded = reader().submit(() -> ReadConsistency.callWith(tight, () -> countIn(replica, table, 1)));
    awaitWaiters(tracker, 1);
    cluster.resumeReplay();
    assertEquals(1L, bounded.get(30, TimeUnit.SECONDS));
  }

  @Test
  void aBoundedReadStillSeesItsOwnWrites() throws Exception {
    String table = newTable();
    HikariDataSource primary = lsnwaitPrimary();
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    Future<Long> own = reader().submit(() -> {
      insert(primary, table, 1);
      return ReadConsistency.callWith(ReadConsistency.boundedStaleness(Duration.ofMinutes(1)),
          () -> countIn(replica, table, 1));
    });
    awaitWaiters(tracker, 1);
    cluster.resumeReplay();
    assertEquals(1L, own.get(30, TimeUnit.SECONDS));
  }

  @Test
  void aGlobalReadOnOneUrlTakesThePrimaryWhenTheReplicaIsBehind() throws Exception {
    String table = newTable();
    HikariDataSource others = plainPool(cluster.primary());
    HikariDataSource routing = poolOn(cluster.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:"
        + cluster.replica().port() + "&lsnwait.consistency=global&lsnwait.replicaWait=50ms");
    cluster.pauseReplay();
    insert(others, table, 1);
    try (Connection c = routing.getConnection()) {
      c.setReadOnly(true);
      try (Statement statement = c.createStatement();
          ResultSet row = statement.executeQuery(
              "SELECT count(*), pg_is_in_recovery() FROM " + table + " WHERE id = 1")) {
        row.next();
        assertEquals(1, row.getInt(1));
        assertFalse(row.getBoolean(2), "the primary served it");
      }
    }
  }

  @Test
  void globalReadsWithoutAPrimaryConnectionInTheJvmFailClearly() throws Exception {
    PgCluster own = ownCluster("lonely");
    HikariDataSource replica = pool(own.replica());
    PositionUnavailableException error = assertThrows(PositionUnavailableException.class,
        () -> ReadConsistency.callWith(ReadConsistency.GLOBAL, () -> countIn(replica, "lonely", 1)));
    assertTrue(error.getMessage().contains("need a connection to its primary"), error.getMessage());
    assertEquals("57014", error.getSQLState());
  }

  private HikariDataSource poolOn(String url) {
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    return closeLater(new HikariDataSource(config));
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.ReplicationTimeoutException;
import java.sql.Connection;
import java.sql.SQLTransientException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With replay paused, a read gives up at {@code lsnwait.timeout}: it fails clearly, or proceeds and is counted. */
class TimeoutIT extends ClusterTest {

  @Test
  void failPolicyThrowsReplicationTimeoutExceptionNamingTheToken() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "300ms"));
    ReplicaTracker tracker = trackerOf(replica);
    long timeoutsBefore = tracker.stats().timeouts();
    cluster.pauseReplay();
    insert(primary, table, 1);
    LsnToken token = LsnContext.current();
    String required = token.lsnFor(cluster.systemIdentifier()).orElseThrow().toString();

    try (Connection c = replica.getConnection()) {
      ReplicationTimeoutException timeout =
          assertThrows(ReplicationTimeoutException.class, () -> count(c, table, 1));
      assertInstanceOf(SQLTransientException.class, timeout);
      assertEquals("57014", timeout.getSQLState());
      assertTrue(timeout.getMessage().contains(required), timeout.getMessage());
      assertTrue(timeout.getMessage().contains(cluster.replica().port() + ""), timeout.getMessage());
      assertTrue(timeout.waitedMillis() >= 300, "waited " + timeout.waitedMillis());
      assertEquals(required, timeout.required().toString());
      // The connection stays usable: once replay resumes the same read succeeds.
      cluster.resumeReplay();
      assertEquals(1L, count(c, table, 1));
    }
    assertEquals(timeoutsBefore + 1, tracker.stats().timeouts());
    assertEquals(0, tracker.stats().waiters(), "the timed-out waiter was removed");
  }

  @Test
  void proceedPolicyReadsAnywayAndCountsIt() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica =
        pool(cluster.replica(), Map.of("lsnwait.timeout", "300ms", "lsnwait.onTimeout", "proceed"));
    ReplicaTracker tracker = trackerOf(replica);
    long proceededBefore = tracker.stats().proceededAfterTimeout();
    cluster.pauseReplay();
    insert(primary, table, 1);
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, table, 1), "proceeds with the stale read");
    }
    assertEquals(proceededBefore + 1, tracker.stats().proceededAfterTimeout());
    assertEquals(0, tracker.stats().waiters());
  }
}

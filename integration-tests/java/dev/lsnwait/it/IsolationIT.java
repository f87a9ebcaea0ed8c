package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.ReplicationTimeoutException;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * READ COMMITTED checks every statement; REPEATABLE READ and SERIALIZABLE only the first of a transaction, which
 * fixes the snapshot (waiting later could not make the transaction see more).
 */
class IsolationIT extends ClusterTest {

  @Test
  void repeatableReadChecksOnlyTheFirstStatementOfATransaction() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "300ms"));
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    try (Connection c = replica.getConnection()) {
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setAutoCommit(false);
      assertEquals(0L, count(c, table, 1)); // first statement: nothing to wait for; the snapshot is now fixed
      insert(primary, table, 1);
      long waits = tracker.stats().waits();
      assertEquals(0L, count(c, table, 1), "same transaction: no wait (it could not see the row anyway)");
      assertEquals(waits, tracker.stats().waits());
      c.commit();
      assertThrows(ReplicationTimeoutException.class, () -> count(c, table, 1),
          "a new transaction's first statement waits again");
      c.rollback();
    }
  }

  @Test
  void readCommittedChecksEveryStatement() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "300ms"));
    cluster.pauseReplay();
    try (Connection c = replica.getConnection()) {
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      c.setAutoCommit(false);
      assertEquals(0L, count(c, table, 1));
      insert(primary, table, 1);
      assertThrows(ReplicationTimeoutException.class, () -> count(c, table, 1),
          "read committed: the second statement of the transaction waits too");
      c.rollback();
    } finally {
      LsnContext.clear();
    }
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/** Commits whose SQL hides that they wrote: each must make a token, so that a replica read waits for it. */
class CommitDetectionIT extends ClusterTest {

  @Test
  void aWriteAfterACommitAndBeginInOneStatementIsNotForgotten() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      s.execute("BEGIN");
      s.execute("INSERT INTO " + table + " VALUES (1, 'x')");
      cluster.pauseReplay();
      s.execute("COMMIT; BEGIN; INSERT INTO " + table + " VALUES (2, 'x')");
      LsnContext.clear(); // only what comes next counts
      s.execute("COMMIT");
    }
    assertWaitsThenSees(replica, table, 2, LsnContext.current());
  }

  @Test
  void aFailedTransactionRolledBackToASavepointAndCommittedInOneStatementMakesAToken() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    cluster.pauseReplay();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("INSERT INTO " + table + " VALUES (1, 'x')");
      s.execute("SAVEPOINT s");
      org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class, () -> s.execute("SELECT 1/0"));
      s.execute("ROLLBACK TO SAVEPOINT s; COMMIT"); // the insert before the savepoint commits
      c.setAutoCommit(true);
    }
    assertWaitsThenSees(replica, table, 1, LsnContext.current());
  }

  @Test
  void largeObjectsWrittenInALaterTransactionThroughAKeptManagerMakeAToken() throws Exception {
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    long oid;
    try (Connection c = primary.getConnection()) {
      c.setAutoCommit(false);
      LargeObjectManager objects = c.unwrap(PGConnection.class).getLargeObjectAPI(); // kept across transactions
      oid = objects.createLO();
      c.commit();
      cluster.awaitReplicaCaughtUp(PATIENCE);
      LsnContext.clear();
      cluster.pauseReplay();
      try (LargeObject object = objects.open(oid, LargeObjectManager.WRITE)) { // a later transaction
        object.write("later".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      c.commit();
      c.setAutoCommit(true);
    }
    assertEquals(5L, waitsThenReads(replica, LsnContext.current(), c -> {
      try (Statement s = c.createStatement();
          java.sql.ResultSet row = s.executeQuery("SELECT length(lo_get(" + oid + "))")) {
        row.next();
        return row.getLong(1);
      }
    }));
  }

  @Test
  void aReadOnlyTransactionMadeReadWriteInSqlMakesATokenForItsWrite() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    cluster.pauseReplay();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      c.setReadOnly(true); // pgjdbc begins the transaction READ ONLY...
      c.setAutoCommit(false);
      s.execute("SET TRANSACTION READ WRITE"); // ...and SQL makes it read-write before anything else runs
      s.execute("INSERT INTO " + table + " VALUES (1, 'x')");
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(false);
    }
    assertWaitsThenSees(replica, table, 1, LsnContext.current());
  }

  /** With replay paused, a read of row {@code id} with {@code token} waits; once replay resumes it sees the row. */
  private void assertWaitsThenSees(HikariDataSource replica, String table, int id, LsnToken token) throws Exception {
    assertEquals(1L, waitsThenReads(replica, token, c -> count(c, table, id)));
  }

  /** A replica read with {@code token}: it waits while replay is paused, then answers once replay resumes. */
  private long waitsThenReads(HikariDataSource replica, LsnToken token, Query query) throws Exception {
    assertFalse(token.isEmpty(), "the commit made a token");
    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<Long> read = threads.submit(() -> LsnContext.callWith(token, () -> {
      try (Connection c = replica.getConnection()) {
        return query.run(c);
      }
    }));
    awaitWaiters(trackerOf(replica), 1);
    cluster.resumeReplay();
    return read.get(30, TimeUnit.SECONDS);
  }

  /** A query that answers one number. */
  @FunctionalInterface
  private interface Query {
    long run(Connection connection) throws java.sql.SQLException;
  }
}

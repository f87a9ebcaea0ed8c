package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * Work outside plain statements: pgjdbc's COPY and large-object APIs, database metadata, work lsnwait cannot see in
 * the SQL, and what JDBC objects say about themselves.
 */
class PgjdbcApiIT extends ClusterTest {

  private ExecutorService threads;

  private <T> Future<T> inAnotherThread(Callable<T> task) {
    if (threads == null) {
      threads = Executors.newCachedThreadPool();
      closeLater(threads::shutdownNow);
    }
    return threads.submit(LsnContext.wrap(task));
  }

  /** Runs {@code read} with replay paused: it must wait, then finish once replay resumes. */
  private <T> T waitsThenRuns(ReplicaTracker tracker, Callable<T> read) throws Exception {
    Future<T> result = inAnotherThread(read);
    awaitWaiters(tracker, 1);
    assertFalse(result.isDone(), "it waits while replay is paused");
    cluster.resumeReplay();
    return result.get(30, TimeUnit.SECONDS);
  }

  @Test
  void copyToOnAReplicaWaitsForTheThreadsWrite() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    cluster.pauseReplay();
    insert(primary, table, 1);
    String copied = waitsThenRuns(trackerOf(replica), () -> {
      try (Connection c = replica.getConnection()) {
        StringWriter out = new StringWriter();
        c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY " + table + " (id) TO STDOUT", out);
        return out.toString();
      }
    });
    assertEquals("1\n", copied);
  }

  @Test
  void aCopyToWhoseQueryWritesMakesAToken() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    insert(primary, table, 1);
    cluster.awaitReplicaCaughtUp(PATIENCE);
    LsnContext.clear();
    cluster.pauseReplay();
    try (Connection c = primary.getConnection()) { // auto-commit: the COPY's own transaction commits the delete
      StringWriter out = new StringWriter();
      c.unwrap(PGConnection.class).getCopyAPI().copyOut(
          "COPY (DELETE FROM " + table + " WHERE id = 1 RETURNING id) TO STDOUT", out);
      assertEquals("1\n", out.toString());
    }
    long left = waitsThenRuns(trackerOf(replica), () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, table, 1);
      }
    });
    assertEquals(0L, left, "the replica read waited for the delete");
  }

  @Test
  void metadataQueriesOnAReplicaWaitForTheThreadsDdl() throws Exception {
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    String table = "t_metadata_" + System.nanoTime();
    cluster.pauseReplay();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + table + " (id int)");
    }
    boolean found = waitsThenRuns(trackerOf(replica), () -> {
      try (Connection c = replica.getConnection();
          ResultSet tables = c.getMetaData().getTables(null, null, table, null)) {
        return tables.next();
      }
    });
    assertTrue(found, "the replica's catalog has the new table");
  }

  @Test
  void largeObjectsCountAsAWriteAndAReplicaWaitsBeforeReadingThem() throws Exception {
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    cluster.pauseReplay();
    long oid;
    try (Connection c = primary.getConnection()) {
      c.setAutoCommit(false);
      LargeObjectManager objects = c.unwrap(PGConnection.class).getLargeObjectAPI();
      oid = objects.createLO();
      try (LargeObject object = objects.open(oid, LargeObjectManager.WRITE)) {
        object.write("large".getBytes());
      }
      c.commit();
      c.setAutoCommit(true);
    }
    assertFalse(LsnContext.current().isEmpty(), "the commit made a token");
    String read = waitsThenRuns(trackerOf(replica), () -> {
      try (Connection c = replica.getConnection()) {
        c.setAutoCommit(false);
        LargeObjectManager objects = c.unwrap(PGConnection.class).getLargeObjectAPI();
        try (LargeObject object = objects.open(oid, LargeObjectManager.READ)) {
          return new String(object.read(5));
        } finally {
          c.rollback();
        }
      }
    });
    assertEquals("large", read);
  }

  @Test
  void aWriteLsnwaitCannotSeeInTheSqlIsMarkedByHand() throws Exception {
    String table = newTable();
    PgCluster.execute(cluster.primary(), "CREATE FUNCTION " + table + "_add() RETURNS int LANGUAGE SQL AS $$"
        + " INSERT INTO " + table + " VALUES (1, 'view') RETURNING 1 $$");
    PgCluster.execute(cluster.primary(), "CREATE VIEW " + table + "_v AS SELECT " + table + "_add()");
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    cluster.pauseReplay();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      s.executeQuery("SELECT * FROM " + table + "_v").close(); // writes through the view: the SQL does not say so
      assertTrue(LsnContext.current().isEmpty(), "a SELECT from a view is taken for a read (documented)");
      c.unwrap(LsnWaitConnection.class).markWritten();
    }
    assertEquals(1L, (long) waitsThenRuns(trackerOf(replica), () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, table, 1);
      }
    }));
  }

  @Test
  void objectsDescribeThemselvesAsUsersExpect() throws Exception {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    String url = cluster.primary().lsnwaitUrl() + "?lsnwait.timeout=3s&ApplicationName=api-test";
    try (Connection c = closeLater(DriverManager.getConnection(url, user))) {
      assertEquals(url, c.getMetaData().getURL(), "reopening from it stays with lsnwait");
      try (Connection again = DriverManager.getConnection(c.getMetaData().getURL(), user)) {
        assertTrue(again.isWrapperFor(LsnWaitConnection.class));
      }
      try (PreparedStatement statement = c.prepareStatement("SELECT ?::int")) {
        statement.setInt(1, 42);
        PreparedStatement raw = statement.unwrap(org.postgresql.jdbc.PgStatement.class) instanceof PreparedStatement p
            ? p : null;
        assertEquals(raw.toString(), statement.toString(), "pgjdbc's SQL with its parameters, for logs");
        assertTrue(statement.toString().contains("42"), statement.toString());
      }
    }
  }
}

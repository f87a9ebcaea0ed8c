package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Reads whose writing hides in the catalog: functions changed after lsnwait read it, overloads, one name in two
 * databases, STABLE procedural functions that call volatile ones, views, large objects through {@code Blob}. Each
 * must make a token; reads proved not to write must still make none.
 */
class WritingFunctionsIT extends ClusterTest {

  private static final AtomicInteger NAMES = new AtomicInteger();

  /** A name no other test uses. */
  private static String name(String prefix) {
    return prefix + "_" + NAMES.incrementAndGet();
  }

  /** Whether running {@code sql} in auto-commit through {@code pool} made a token. */
  private static boolean makesAToken(HikariDataSource pool, String sql) throws SQLException {
    LsnContext.clear();
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
    boolean made = !LsnContext.current().isEmpty();
    LsnContext.clear();
    return made;
  }

  /** Waits until lsnwait's catalog proves that {@code sql} only reads: it read the catalog after a change. */
  private static void awaitProvedRead(HikariDataSource pool, String sql) {
    Deadline.await(PATIENCE, "lsnwait to prove that " + sql + " only reads", () -> {
      try {
        return !makesAToken(pool, sql);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Makes {@code f()}, a STABLE SQL function that counts {@code table}, and waits until lsnwait proved it reads. */
  private static void provedReader(HikariDataSource pool, String f, String table) throws SQLException {
    execute(pool, "CREATE FUNCTION " + f + "() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM "
        + table + "'");
    awaitProvedRead(pool, "SELECT " + f + "()");
  }

  @Test
  void aFunctionMadeVolatileThroughLsnwaitIsAWriteAtOnce() throws Exception {
    String table = newTable();
    String f = name("later_volatile");
    HikariDataSource primary = pool(cluster.primary());
    provedReader(primary, f, table);
    execute(primary, "CREATE OR REPLACE FUNCTION " + f + "() RETURNS bigint LANGUAGE sql VOLATILE AS"
        + " 'INSERT INTO " + table + " VALUES (1, ''x'') RETURNING 1::bigint'");
    assertTrue(makesAToken(primary, "SELECT " + f + "()"), "the next call writes");
  }

  @Test
  void aNewVolatileOverloadOfAStableNameMakesItsCallsWrites() throws Exception {
    String table = newTable();
    String f = name("overloaded");
    HikariDataSource primary = pool(cluster.primary());
    provedReader(primary, f, table);
    execute(primary, "CREATE FUNCTION " + f + "(id int) RETURNS bigint LANGUAGE sql VOLATILE AS"
        + " 'INSERT INTO " + table + " VALUES (id, ''x'') RETURNING 1::bigint'");
    assertTrue(makesAToken(primary, "SELECT " + f + "(7)"));
  }

  @Test
  void aStableProceduralFunctionThatCallsAVolatileOneIsAWrite() throws Exception {
    String table = newTable();
    String writer = name("writer");
    String stable = name("stable_caller");
    String control = name("stable_reader");
    HikariDataSource primary = pool(cluster.primary());
    execute(primary, "CREATE FUNCTION " + writer + "() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN"
        + " INSERT INTO " + table + " VALUES (1, 'x'); RETURN 1; END $$");
    execute(primary, "CREATE FUNCTION " + stable + "() RETURNS int LANGUAGE plpgsql STABLE AS $$ BEGIN"
        + " RETURN " + writer + "(); END $$");
    execute(primary, "CREATE FUNCTION " + control + "() RETURNS bigint LANGUAGE sql STABLE AS"
        + " 'SELECT count(*) FROM " + table + "'");
    awaitProvedRead(primary, "SELECT " + control + "()"); // the catalog was read after all three were made
    cluster.pauseReplay();
    assertTrue(makesAToken(primary, "SELECT " + stable + "()"), "PostgreSQL lets it write through " + writer);
  }

  @Test
  void oneNameStableInOneDatabaseAndVolatileInAnotherIsJudgedInEach() throws Exception {
    String table = newTable();
    String database = name("other_db");
    String g = name("two_faced");
    HikariDataSource primary = pool(cluster.primary());
    PgCluster.execute(cluster.primary(), "CREATE DATABASE " + database);
    execute(primary, "CREATE FUNCTION " + g + "() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM "
        + table + "'");
    awaitProvedRead(primary, "SELECT " + g + "()");
    String url = cluster.primary().lsnwaitUrl().replace("/postgres", "/" + database);
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    try (Connection other = DriverManager.getConnection(url, user); Statement s = other.createStatement()) {
      s.execute("CREATE TABLE notes (id int)");
      s.execute("CREATE FUNCTION " + g + "() RETURNS bigint LANGUAGE sql VOLATILE AS"
          + " 'INSERT INTO notes VALUES (1) RETURNING 1::bigint'");
      Deadline.await(PATIENCE, "lsnwait to read the other database's catalog", () -> {
        LsnContext.clear();
        try (ResultSet row = s.executeQuery("SELECT lower('X')")) {
          row.next();
          return LsnContext.current().isEmpty();
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      LsnContext.clear();
      s.execute("SELECT " + g + "()");
      assertFalse(LsnContext.current().isEmpty(), "in " + database + " it writes");
    } finally {
      LsnContext.clear();
      PgCluster.execute(cluster.primary(), "DROP DATABASE " + database + " WITH (FORCE)");
    }
  }

  @Test
  void aViewThatCallsAFunctionThatWritesIsAWrite() throws Exception {
    String table = newTable();
    String writer = name("view_writer");
    String view = name("audited_view");
    String plainView = name("plain_view");
    HikariDataSource primary = pool(cluster.primary());
    execute(primary, "CREATE FUNCTION " + writer + "() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN"
        + " INSERT INTO " + table + " VALUES (1, 'x'); RETURN 1; END $$");
    execute(primary, "CREATE VIEW " + view + " AS SELECT " + writer + "() AS w");
    execute(primary, "CREATE VIEW " + plainView + " AS SELECT count(*) AS n FROM " + table);
    awaitProvedRead(primary, "SELECT * FROM " + plainView);
    assertTrue(makesAToken(primary, "SELECT * FROM " + view));
  }

  @Test
  void aBlobWrittenThroughAResultSetMakesAToken() throws Exception {
    String table = name("blobs");
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    execute(primary, "CREATE TABLE " + table + " (id int PRIMARY KEY, data oid)");
    execute(primary, "INSERT INTO " + table + " VALUES (1, lo_from_bytea(0, '\\x00'::bytea))");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    LsnContext.clear();
    cluster.pauseReplay();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      try (ResultSet row = s.executeQuery("SELECT data FROM " + table + " WHERE id = 1")) {
        row.next();
        Blob blob = row.getBlob(1);
        blob.setBytes(1, "written".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      c.commit();
      c.setAutoCommit(true);
    }
    assertFalse(LsnContext.current().isEmpty(), "the blob's write made a token");
    cluster.resumeReplay();
    try (Connection c = replica.getConnection(); Statement s = c.createStatement();
        ResultSet row = s.executeQuery("SELECT length(lo_get(data)) FROM " + table + " WHERE id = 1")) {
      row.next();
      assertEquals(7, row.getInt(1));
    }
  }

  @Test
  void aTransactionCommitsWithTheServersAnswerWhateverTheSqlLooksLike() throws Exception {
    String table = newTable();
    String reader = name("plpgsql_reader");
    HikariDataSource primary = pool(cluster.primary());
    execute(primary, "CREATE FUNCTION " + reader + "() RETURNS bigint LANGUAGE plpgsql STABLE AS $$ BEGIN"
        + " RETURN (SELECT count(*) FROM " + table + "); END $$");
    LsnContext.clear();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("SELECT " + reader + "()"); // judged a write from the SQL: it cannot be proved not to write
      c.commit();
      assertTrue(LsnContext.current().isEmpty(), "the server says it wrote nothing: no token, no wait");
      s.execute("INSERT INTO " + table + " VALUES (1, 'x')");
      c.commit();
      assertFalse(LsnContext.current().isEmpty());
      c.setAutoCommit(true);
    }
  }

  @Test
  void aCommitInSqlOfATransactionJudgedReadOnlyAsksTheServer() throws Exception {
    String table = newTable();
    String f = name("changed_elsewhere");
    HikariDataSource primary = pool(cluster.primary());
    provedReader(primary, f, table);
    // Changed by another program: lsnwait's catalog knows only after its next read (at most 30 s).
    PgCluster.execute(cluster.primary(), "CREATE OR REPLACE FUNCTION " + f + "() RETURNS bigint LANGUAGE sql"
        + " VOLATILE AS 'INSERT INTO " + table + " VALUES (1, ''x'') RETURNING 1::bigint'");
    LsnContext.clear();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      s.execute("BEGIN");
      s.execute("SELECT " + f + "()");
      s.execute("COMMIT");
    }
    assertFalse(LsnContext.current().isEmpty(), "the server said the transaction wrote");
  }
}

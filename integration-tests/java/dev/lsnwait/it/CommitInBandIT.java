package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code commit()} sends after its {@code COMMIT} (the position read in its round trip) must not change what
 * the application sees: the session's search_path and transaction defaults apply to it, yet commit() behaves as
 * pgjdbc's own and the token is right.
 */
class CommitInBandIT extends ClusterTest {

  private static String table;

  @BeforeAll
  static void createShadows() {
    table = "inband_rows";
    PgCluster.execute(cluster.primary(), String.join(";",
        "DROP TABLE IF EXISTS " + table,
        "CREATE TABLE " + table + " (id int)",
        "DROP SCHEMA IF EXISTS inband_shadow CASCADE",
        "CREATE SCHEMA inband_shadow",
        // an application's own left(text, int), found first on its search_path
        "CREATE FUNCTION inband_shadow.\"left\"(text, integer) RETURNS text LANGUAGE sql"
            + " AS $$ SELECT '00000007'::text $$"));
  }

  /** Commits read their position in their own round trip while tokens are in use (one resolved lately): use one. */
  @org.junit.jupiter.api.BeforeEach
  void tokensInUse() throws Exception {
    try (Connection c = lsnwait(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO " + table + " VALUES (0)");
    }
    LsnContext.current();
    LsnContext.clear();
  }

  private static Connection lsnwait() throws SQLException {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    return DriverManager.getConnection(cluster.primary().lsnwaitUrl(), user);
  }

  private static long rows(int id) {
    return PgCluster.queryLong(cluster.primary(), "SELECT count(*) FROM " + table + " WHERE id = " + id);
  }

  private static int timeline() {
    return (int) PgCluster.queryLong(cluster.primary(), "SELECT timeline_id FROM pg_control_checkpoint()");
  }

  @Test
  void aShadowingFunctionOnTheSearchPathDoesNotChangeTheTokensTimeline() throws Exception {
    try (Connection c = lsnwait(); Statement s = c.createStatement()) {
      s.execute("SET search_path TO inband_shadow, pg_catalog");
      c.setAutoCommit(false);
      s.execute("INSERT INTO public." + table + " VALUES (1)");
      c.commit();
    }
    assertEquals(1, rows(1));
    assertEquals(timeline(), LsnContext.current().timelineFor(cluster.systemIdentifier()),
        "the token's timeline is the primary's, not what the application's left() says");
  }

  @Test
  void commitReturnsAtOnceUnderSerializableReadOnlyDeferrableDefaults() throws Exception {
    try (Connection other = cluster.primary().connect(); Statement o = other.createStatement();
        Connection c = lsnwait(); Statement s = c.createStatement()) {
      // a reporting role's defaults; its rare writes say READ WRITE
      s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE");
      other.setAutoCommit(false);
      o.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      o.execute("SELECT 1"); // a serializable read-write transaction under way: no snapshot is safe until it ends
      c.setAutoCommit(false);
      s.execute("SET TRANSACTION READ WRITE");
      s.execute("INSERT INTO " + table + " VALUES (2)");
      assertTimeoutPreemptively(Duration.ofSeconds(5), c::commit, "pgjdbc's commit() does not wait for others");
      other.rollback();
    }
    assertEquals(1, rows(2));
  }

  @Test
  void aTimeoutAfterTheCommitDoesNotFailCommit() throws Exception {
    try (Connection other = cluster.primary().connect(); Statement o = other.createStatement();
        Connection c = lsnwait(); Statement s = c.createStatement()) {
      s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE");
      s.execute("SET statement_timeout = '1s'");
      other.setAutoCommit(false);
      o.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      o.execute("SELECT 1");
      c.setAutoCommit(false);
      s.execute("SET TRANSACTION READ WRITE");
      s.execute("INSERT INTO " + table + " VALUES (3)");
      c.commit(); // committed: pgjdbc's commit() returns normally
      other.rollback();
    }
    assertEquals(1, rows(3));
  }

  /**
   * The statements commit() sends are prepared on the server after pgjdbc's {@code prepareThreshold} uses, as the
   * application's are (parsed and planned on every commit, they cost the primary about 100 us of CPU each time), and
   * not with {@code prepareThreshold=0} (a transaction pooler before PgBouncer 1.21 keeps no prepared statements).
   */
  @Test
  void commitsStatementsArePreparedOnTheServerAsPgjdbcPreparesTheApplications() throws Exception {
    assertEquals(3, preparedCommitStatements(""), "the question, the position and its transaction's begin");
    assertEquals(0, preparedCommitStatements("?prepareThreshold=0"));
  }

  /**
   * A {@code COMMIT} sent as SQL of a transaction that looked read-only asks the server first, unprepared: pgjdbc
   * prepares nothing of SQL sent as text, and an application that sends it through a transaction pooler keeping no
   * prepared statements works with plain pgjdbc's defaults.
   */
  @Test
  void theQuestionBeforeACommitSentAsSqlIsNotPrepared() throws Exception {
    try (Connection c = lsnwait(); Statement s = c.createStatement()) {
      for (int commit = 0; commit < 8; commit++) {
        s.execute("BEGIN");
        s.execute("SELECT 1");
        s.execute("COMMIT");
      }
      try (java.sql.ResultSet row = s.executeQuery("SELECT count(*) FROM pg_catalog.pg_prepared_statements"
          + " WHERE statement ~ 'pg_current_xact_id_if_assigned'")) {
        row.next();
        assertEquals(0, row.getLong(1));
      }
    }
  }

  private static long preparedCommitStatements(String query) throws SQLException {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    try (Connection c = DriverManager.getConnection(cluster.primary().lsnwaitUrl() + query, user);
        Statement s = c.createStatement()) {
      for (int commit = 0; commit < 8; commit++) {
        c.setAutoCommit(false);
        s.execute("INSERT INTO " + table + " VALUES (4)");
        c.commit();
        c.setAutoCommit(true);
        LsnContext.current(); // tokens in use: each commit reads its position
      }
      try (java.sql.ResultSet row = s.executeQuery("SELECT count(*) FROM pg_catalog.pg_prepared_statements"
          + " WHERE NOT from_sql AND statement ~ '(pg_current_xact_id_if_assigned|pg_current_wal_insert_lsn"
          + "|ISOLATION LEVEL READ COMMITTED)'")) {
        row.next();
        return row.getLong(1);
      }
    }
  }
}

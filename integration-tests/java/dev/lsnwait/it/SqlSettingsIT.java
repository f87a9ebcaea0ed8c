package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Session settings made with SQL ({@code SET}, {@code RESET}, {@code set_config()}, {@code DISCARD ALL}) follow
 * read-only work to the replica, as they would on pgjdbc's one session: a tenant's {@code search_path}, a custom
 * setting a row-level policy reads, a role. The replica's session is brought to the primary's before it is next
 * used, so savepoints, failed transactions and aliases come out as the primary has them (cases found by review).
 */
class SqlSettingsIT extends ClusterTest {

  private Connection routing() throws SQLException {
    return closeLater(DriverManager.getConnection(cluster.routingUrl(), "postgres", ""));
  }

  /** Read-only, on the replica (once lsnwait has read the catalog): whether it ran there, and the text answered. */
  private static String onReplica(Connection connection, String query) {
    String[] answer = new String[1];
    Deadline.await(PATIENCE, "read-only work on the replica", () -> {
      try {
        connection.setReadOnly(true);
        try (Statement statement = connection.createStatement();
            ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery(), (" + query + ")::text")) {
          row.next();
          answer[0] = row.getString(2);
          return row.getBoolean(1);
        } finally {
          connection.setReadOnly(false);
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    return answer[0];
  }

  private static void run(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Test
  void aSearchPathSetWithSqlBeforeTheReplicaOpensIsTheReplicasToo() throws Exception {
    PgCluster.execute(cluster.primary(), "CREATE SCHEMA IF NOT EXISTS tenant_x;"
        + " CREATE TABLE IF NOT EXISTS tenant_x.items (n int); TRUNCATE tenant_x.items;"
        + " INSERT INTO tenant_x.items VALUES (1), (2), (3)");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    Connection connection = routing();
    run(connection, "SET search_path = tenant_x, public");
    assertEquals("3", onReplica(connection, "SELECT count(*) FROM items"));
  }

  @Test
  void aSettingMadeWhileTheReplicaIsOpenIsMadeThereAtOnce() throws Exception {
    Connection connection = routing();
    assertEquals("", onReplica(connection, "SELECT coalesce(current_setting('app.tenant', true), '')"));
    run(connection, "SET app.tenant = '7'");
    assertEquals("7", onReplica(connection, "SELECT current_setting('app.tenant')"));
    run(connection, "SET app.tenant TO '8'"); // kept once, the latest
    assertEquals("8", onReplica(connection, "SELECT current_setting('app.tenant')"));
    run(connection, "RESET app.tenant");
    assertEquals("", onReplica(connection, "SELECT coalesce(current_setting('app.tenant', true), '')"));
  }

  @Test
  void aSettingTakesEffectOnTheReplicaWithTheTransactionThatMadeIt() throws Exception {
    Connection connection = routing();
    run(connection, "SET app.tenant = '1'");
    assertEquals("1", onReplica(connection, "SELECT current_setting('app.tenant')"));
    connection.setAutoCommit(false);
    run(connection, "SET app.tenant = '2'");
    connection.rollback();
    connection.setAutoCommit(true);
    assertEquals("1", onReplica(connection, "SELECT current_setting('app.tenant')"), "rolled back");
    connection.setAutoCommit(false);
    run(connection, "SET app.tenant = '3'");
    connection.commit();
    connection.setAutoCommit(true);
    assertEquals("3", onReplica(connection, "SELECT current_setting('app.tenant')"), "committed");
    run(connection, "BEGIN; SET app.tenant = '4'; COMMIT");
    assertEquals("4", onReplica(connection, "SELECT current_setting('app.tenant')"), "with other statements");
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN");
      statement.execute("SET app.tenant = '5'");
      statement.execute("COMMIT");
    }
    assertEquals("5", onReplica(connection, "SELECT current_setting('app.tenant')"), "COMMIT sent as SQL");
    assertTrue(connection.getAutoCommit());
  }

  @Test
  void aSettingMadeWithAPreparedStatementFollowsToo() throws Exception {
    Connection connection = routing();
    try (java.sql.PreparedStatement set = connection.prepareStatement("SET app.tenant = '11'")) {
      set.execute();
    }
    assertEquals("11", onReplica(connection, "SELECT current_setting('app.tenant')"));
  }

  private static final String TENANT = "SELECT coalesce(current_setting('app.tenant', true), '')";

  private static String onPrimary(Connection connection, String query) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery(), (" + query + ")::text")) {
      row.next();
      assertFalse(row.getBoolean(1));
      return row.getString(2);
    }
  }

  /** The replica's session answers {@code query} as the primary's does. */
  private static void sameOnBoth(String what, Connection connection, String query) throws SQLException {
    String primary = onPrimary(connection, query);
    assertEquals(primary, onReplica(connection, query), what + ": the replica's session differs from the primary's");
  }

  @Test
  void theReplicaHasThePrimarysSettingsWhateverMadeThem() throws Exception {
    PgCluster.execute(cluster.primary(), "DO $$ BEGIN CREATE ROLE lsnwait_tenant NOLOGIN; "
        + "EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        + " CREATE SCHEMA IF NOT EXISTS settings_a; CREATE SCHEMA IF NOT EXISTS settings_b");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    Connection connection = routing();
    run(connection, "SET app.tenant = '1'");
    onReplica(connection, TENANT); // the replica's session is open from here on
    connection.setAutoCommit(false);
    run(connection, "SELECT 1");
    Savepoint savepoint = connection.setSavepoint();
    run(connection, "SET app.tenant = '2'");
    connection.rollback(savepoint);
    connection.commit();
    connection.setAutoCommit(true);
    sameOnBoth("a savepoint rolled back", connection, TENANT);
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN");
      statement.execute("SET app.tenant = '3'");
      assertThrows(SQLException.class, () -> statement.execute("SELECT 1/0"));
      statement.execute("COMMIT"); // the server answers ROLLBACK
      statement.execute("BEGIN");
      statement.execute("SET app.tenant = '4'");
      statement.execute("ROLLBACK AND CHAIN");
      statement.execute("COMMIT");
    }
    sameOnBoth("a failed transaction committed, a rollback and chain", connection, TENANT);
    run(connection, "/* request 5 */ SET TIME ZONE 'Asia/Tokyo'");
    run(connection, "RESET timezone");
    sameOnBoth("an alias reset", connection, "SELECT current_setting('TimeZone')");
    run(connection, "SET search_path = settings_a"); // a Hikari connectionInitSql
    connection.setSchema("settings_b"); // then the tenant, per request
    sameOnBoth("SQL, then a JDBC setter", connection, "SELECT current_schema()");
    run(connection, "SET ROLE lsnwait_tenant");
    run(connection, "RESET ALL"); // leaves the role
    sameOnBoth("a role", connection, "SELECT current_user");
    run(connection, "SELECT set_config('app.tenant', '6', false)");
    sameOnBoth("set_config()", connection, TENANT);
    try (Statement statement = connection.createStatement()) {
      assertThrows(SQLException.class, () -> statement.executeQuery("SET app.tenant = '7'"), "no result set");
    }
    sameOnBoth("executeQuery of a SET", connection, TENANT);
    run(connection, "SET SESSION AUTHORIZATION lsnwait_tenant");
    sameOnBoth("a session user", connection, "SELECT session_user || ' ' || current_user");
    run(connection, "RESET SESSION AUTHORIZATION");
    run(connection, "DISCARD ALL");
    sameOnBoth("DISCARD ALL", connection, TENANT + " || current_user");
  }

  /** The usual row-level policy setting, local to a read-only transaction: it stays on the replica. */
  @Test
  void aTransactionsOwnSettingStaysWithItOnTheReplica() throws Exception {
    Connection connection = routing();
    onReplica(connection, TENANT);
    connection.setReadOnly(true);
    connection.setAutoCommit(false);
    try (java.sql.PreparedStatement set = connection.prepareStatement("SELECT set_config('app.tenant', ?, true)")) {
      set.setString(1, "12");
      set.executeQuery().close();
    }
    assertEquals("12 true", single(connection, "SELECT current_setting('app.tenant') || ' ' || pg_is_in_recovery()"));
    connection.commit();
    connection.setAutoCommit(true);
    connection.setReadOnly(false);
  }

  /** A standby refuses to read at serializable: read-only work of such a session reads on the primary, not fails. */
  @Test
  void aSerializableDefaultReadsOnThePrimary() throws Exception {
    Connection connection = routing();
    onReplica(connection, TENANT);
    run(connection, "SET default_transaction_isolation = 'serializable'");
    connection.setReadOnly(true);
    assertEquals("false", single(connection, "SELECT pg_is_in_recovery()::text"));
    connection.setReadOnly(false);
    run(connection, "RESET default_transaction_isolation");
    assertEquals("", onReplica(connection, TENANT), "and on the replica again once reset");
  }

  @Test
  void aReplicaThatRefusesTheSettingsIsLeftOutOfThisConnectionsReadsOnly() throws Exception {
    cluster.pauseReplay();
    try {
      PgCluster.execute(cluster.primary(), "DROP ROLE IF EXISTS lsnwait_unreplayed; CREATE ROLE lsnwait_unreplayed");
      Connection connection = routing();
      run(connection, "SET ROLE lsnwait_unreplayed"); // the replica has not replayed the role
      connection.setReadOnly(true);
      assertEquals("lsnwait_unreplayed false", single(connection, "SELECT current_user || ' ' || pg_is_in_recovery()"));
      connection.setReadOnly(false);
      Connection other = routing();
      other.setReadOnly(true);
      assertEquals("true", single(other, "SELECT pg_is_in_recovery()::text"), "the address is usable for others");
    } finally {
      cluster.resumeReplay();
    }
  }

  private static String single(Connection connection, String query) throws SQLException {
    try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(query)) {
      row.next();
      return row.getString(1);
    }
  }

  @Test
  void aSettingOnThePrimaryDoesNotWaitForAHungReplica() throws Exception {
    Connection connection = routing();
    String pid = onReplica(connection, "SELECT pg_backend_pid()");
    new ProcessBuilder("kill", "-STOP", pid).start().waitFor();
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run(connection, "SET app.tenant = '1'"));
    } finally {
      new ProcessBuilder("kill", "-CONT", pid).start().waitFor();
    }
  }

  /** A function that sets the session (a tenant's helper): it runs on the primary, and the replica is brought there. */
  @Test
  void aSettingMadeByAFunctionIsTheReplicasToo() throws Exception {
    PgCluster.execute(cluster.primary(), "CREATE OR REPLACE FUNCTION lsnwait_tenant_sql(t text) RETURNS text"
        + " LANGUAGE sql AS $$ SELECT pg_catalog.set_config('app.tenant', t, false) $$;"
        + " CREATE OR REPLACE FUNCTION lsnwait_tenant_plpgsql(t text) RETURNS void LANGUAGE plpgsql"
        + " AS $$ BEGIN PERFORM set_config('app.region', t, false); END $$");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    Connection connection = routing();
    onReplica(connection, TENANT); // the catalog is read: a plain read goes to the replica
    connection.setReadOnly(true);
    assertEquals("21 false", single(connection, "SELECT lsnwait_tenant_sql('21') || ' ' || pg_is_in_recovery()"));
    single(connection, "SELECT lsnwait_tenant_plpgsql('eu')::text");
    connection.setReadOnly(false);
    // the functions were made outside lsnwait: the catalog learns them within a second of their first call
    Deadline.await(PATIENCE, "the replica's session to have the function's settings",
        () -> "21 eu".equals(onReplica(connection, TENANT + " || ' ' || current_setting('app.region', true)")));
  }
}

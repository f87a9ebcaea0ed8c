package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Session settings made with SQL ({@code SET}, {@code RESET}) follow read-only work to the replica, as they would
 * on pgjdbc's one session: a tenant's {@code search_path}, a custom setting a row-level policy reads. Made on the
 * replica's session at once when it is open, when it opens otherwise; undone with the transaction that made them.
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
    assertEquals("3", onReplica(connection, "SELECT current_setting('app.tenant')"),
        "with other statements in one text: not copied (the README says so)");
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
}

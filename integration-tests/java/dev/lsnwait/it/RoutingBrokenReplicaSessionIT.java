package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Found by {@link FaultRunIT}: after a backend crash on a standby, HikariCP's {@code setTransactionIsolation} (and
 * its reset of it when the connection is returned) on a routing connection failed with the dead replica member's
 * {@code 08006}, and the pool threw the whole routing connection away, though the primary was fine. Session state
 * goes to every open member; a replica member whose connection broke is dropped (and reopened later with the
 * session's state), as when a statement finds it broken: a replica's absence never fails work the primary can serve.
 */
class RoutingBrokenReplicaSessionIT extends ClusterTest {

  @Test
  void sessionStateSetWhileAReplicaMembersConnectionIsBrokenDoesNotFail() throws Exception {
    PgCluster own = ownCluster("broken_member");
    PgServer standby = own.replica();
    Connection routing = closeLater(DriverManager.getConnection(own.routingUrl(), "postgres", ""));
    routing.setReadOnly(true);
    Deadline.await(PATIENCE, "read-only work on the replica", () -> port(routing) == standby.port());

    standby.crashBackend(); // every connection to the standby ends, the routing connection's replica member too

    routing.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ); // threw 08006
    assertEquals(Connection.TRANSACTION_REPEATABLE_READ, routing.getTransactionIsolation());
    routing.setAutoCommit(false);
    assertNotEquals(0, port(routing), "read-only work runs (on the primary, or the replica once reopened)");
    try (Statement s = routing.createStatement();
        ResultSet row = s.executeQuery("SELECT current_setting('transaction_isolation')")) {
      row.next();
      assertEquals("repeatable read", row.getString(1), "the state reached the server that ran the work");
    }
    routing.commit();
    routing.setAutoCommit(true);
    routing.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    Deadline.await(PATIENCE, "the replica to serve again", () -> port(routing) == standby.port());
  }

  private static int port(Connection connection) {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT current_setting('port')::int")) {
      row.next();
      return row.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.BreakingProxy;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The primary's connection breaks during a commit (a TCP proxy cuts it as the COMMIT goes out, before or after the
 * server gets it): the application sees exactly pgjdbc's exception, and no token is made for a commit that may not
 * have happened.
 */
class CommitFailureIT extends ClusterTest {

  private Connection connect(String scheme, BreakingProxy proxy) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    return closeLater(DriverManager.getConnection(scheme + "127.0.0.1:" + proxy.port() + "/postgres", properties));
  }

  /** Commits through a connection that breaks on the way; returns what the application saw. */
  private static SQLException breakCommit(Connection connection, BreakingProxy proxy, String table, int id,
      BreakingProxy.Moment moment, boolean explicit) throws SQLException {
    String insert = "INSERT INTO " + table + " VALUES (" + id + ", 'breaking')";
    if (explicit) {
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement()) {
        s.executeUpdate(insert);
      }
      proxy.armFor("COMMIT", moment);
      return assertThrows(SQLException.class, connection::commit);
    }
    proxy.armFor(insert, moment);
    try (Statement s = connection.createStatement()) {
      return assertThrows(SQLException.class, () -> s.executeUpdate(insert));
    }
  }

  @ParameterizedTest
  @EnumSource(BreakingProxy.Moment.class)
  void brokenCommitGivesPgjdbcsExceptionAndNoToken(BreakingProxy.Moment moment) throws Exception {
    String table = newTable();
    BreakingProxy proxy = closeLater(new BreakingProxy(cluster.primary().port()));
    for (boolean explicit : new boolean[] {true, false}) {
      int id = explicit ? 1 : 2;
      SQLException viaLsnwait =
          breakCommit(connect("jdbc:lsnwait:postgresql://", proxy), proxy, table, id, moment, explicit);
      assertTrue(LsnContext.current().isEmpty(), "no token for a commit that may not have happened");
      SQLException viaPgjdbc =
          breakCommit(connect("jdbc:postgresql://", proxy), proxy, table, id + 10, moment, explicit);
      assertEquals(viaPgjdbc.getClass(), viaLsnwait.getClass(), viaLsnwait.toString());
      assertEquals(viaPgjdbc.getSQLState(), viaLsnwait.getSQLState());
      assertEquals(viaPgjdbc.getMessage(), viaLsnwait.getMessage());
    }
    // Whether the server committed depends on the moment; lsnwait only promises not to claim it did.
    long expected = moment == BreakingProxy.Moment.BEFORE_FORWARDING ? 0 : 4;
    Deadline.await(PATIENCE, expected + " committed rows",
        () -> PgCluster.queryLong(cluster.primary(), "SELECT count(*) FROM " + table) == expected);
  }
}

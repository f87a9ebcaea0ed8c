package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
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
 * server gets it): the application sees exactly pgjdbc's exception, and a token covers the commit in case it
 * happened.
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
  void brokenCommitGivesPgjdbcsExceptionAndATokenInCaseItHappened(BreakingProxy.Moment moment) throws Exception {
    String table = newTable();
    BreakingProxy proxy = closeLater(new BreakingProxy(cluster.primary().port()));
    for (boolean explicit : new boolean[] {true, false}) {
      int id = explicit ? 1 : 2;
      SQLException viaLsnwait =
          breakCommit(connect("jdbc:lsnwait:postgresql://", proxy), proxy, table, id, moment, explicit);
      // The application cannot know whether the commit reached the server; lsnwait cannot either. A token covers
      // it in case it did (a spare one only costs a wait), so a later read never misses it.
      Lsn token = LsnContext.current().lsnFor(cluster.systemIdentifier()).orElseThrow();
      Lsn now = Lsn.parse(PgCluster.queryString(cluster.primary(), "SELECT pg_current_wal_insert_lsn()::text"));
      assertTrue(now.isAtLeast(token) && token.asLong() > 0, token + " <= " + now);
      LsnContext.clear();
      SQLException viaPgjdbc =
          breakCommit(connect("jdbc:postgresql://", proxy), proxy, table, id + 10, moment, explicit);
      assertEquals(viaPgjdbc.getClass(), viaLsnwait.getClass(), viaLsnwait.toString());
      assertEquals(viaPgjdbc.getSQLState(), viaLsnwait.getSQLState());
      assertEquals(viaPgjdbc.getMessage(), viaLsnwait.getMessage());
    }
    // Whether the server committed depends on the moment.
    long expected = moment == BreakingProxy.Moment.BEFORE_FORWARDING ? 0 : 4;
    Deadline.await(PATIENCE, expected + " committed rows",
        () -> PgCluster.queryLong(cluster.primary(), "SELECT count(*) FROM " + table) == expected);
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.LsnWaitDriver;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.PgConnection;

/** The wrappers never leak the raw pgjdbc objects through back-references, and unwrap to them on request. */
class ProxyIT extends ClusterTest {

  private Connection connect(String url) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    return closeLater(DriverManager.getConnection(url, properties));
  }

  @Test
  void driverManagerFindsTheDriverForTheUrl() throws Exception {
    assertInstanceOf(LsnWaitDriver.class, DriverManager.getDriver(cluster.primary().lsnwaitUrl()));
    assertInstanceOf(org.postgresql.Driver.class, DriverManager.getDriver(cluster.primary().jdbcUrl()));
  }

  @Test
  void backReferencesReturnTheWrappers() throws Exception {
    String table = newTable();
    Connection connection = connect(cluster.primary().lsnwaitUrl());
    try (Statement statement = connection.createStatement()) {
      assertSame(connection, statement.getConnection());
      try (ResultSet rows = statement.executeQuery("SELECT 1")) {
        assertSame(statement, rows.getStatement());
      }
      statement.execute("SELECT 2");
      assertSame(statement, statement.getResultSet().getStatement());
      statement.executeUpdate("INSERT INTO " + table + " VALUES (1, 'x')", Statement.RETURN_GENERATED_KEYS);
      assertSame(statement, statement.getGeneratedKeys().getStatement());
    }
    try (PreparedStatement prepared = connection.prepareStatement("SELECT ?::int")) {
      assertSame(connection, prepared.getConnection());
      prepared.setInt(1, 7);
      try (ResultSet rows = prepared.executeQuery()) {
        assertSame(prepared, rows.getStatement());
        rows.next();
        assertEquals(7, rows.getInt(1));
      }
    }
    try (CallableStatement call = connection.prepareCall("{? = call upper(?)}")) {
      assertSame(connection, call.getConnection());
      call.registerOutParameter(1, java.sql.Types.VARCHAR);
      call.setString(2, "lsn");
      call.execute();
      assertEquals("LSN", call.getString(1));
    }
    DatabaseMetaData metaData = connection.getMetaData();
    assertSame(connection, metaData.getConnection());
    try (ResultSet tables = metaData.getTables(null, null, table, null)) {
      assertTrue(tables.next());
      Statement behind = tables.getStatement();
      if (behind != null) {
        assertSame(connection, behind.getConnection());
      }
    }
    assertFalse(connection.isWrapperFor(String.class));
  }

  @Test
  void unwrapReachesPgjdbcAndLsnwait() throws Exception {
    Connection connection = connect(cluster.replica().lsnwaitUrl());
    assertTrue(connection.isWrapperFor(PGConnection.class));
    PGConnection pg = connection.unwrap(PGConnection.class);
    assertInstanceOf(LsnWaitConnection.class, pg, "pgjdbc's API keeps lsnwait's hooks (COPY, large objects)");
    assertNotNull(pg.getBackendPID() > 0 ? pg : null);
    assertInstanceOf(PgConnection.class, connection.unwrap(PgConnection.class), "pgjdbc's own class, if asked");
    LsnWaitConnection lsnwait = connection.unwrap(LsnWaitConnection.class);
    assertEquals(LsnWaitConnection.Role.REPLICA, lsnwait.role());
    assertEquals(cluster.systemIdentifier(), lsnwait.systemIdentifier());
    assertTrue(lsnwait.replicaTracker().isPresent());
    assertEquals(
        LsnWaitConnection.Role.PRIMARY,
        connect(cluster.primary().lsnwaitUrl()).unwrap(LsnWaitConnection.class).role());
  }

  @Test
  void unwrapWorksThroughHikari() throws Exception {
    HikariDataSource pool = pool(cluster.replica());
    try (Connection connection = pool.getConnection()) {
      assertEquals(LsnWaitConnection.Role.REPLICA, connection.unwrap(LsnWaitConnection.class).role());
      assertInstanceOf(LsnWaitConnection.class, connection.unwrap(PGConnection.class));
      assertInstanceOf(PgConnection.class, connection.unwrap(PgConnection.class));
    }
  }

  @Test
  void oneTrackerPerReplicaServerForAllPoolsAndConnections() throws Exception {
    HikariDataSource first = pool(cluster.replica());
    HikariDataSource second = pool(cluster.replica());
    Connection direct = connect(cluster.replica().lsnwaitUrl());
    assertSame(trackerOf(first), trackerOf(second));
    assertSame(trackerOf(first), direct.unwrap(LsnWaitConnection.class).replicaTracker().orElseThrow());
    assertSame(trackerOf(first), LsnWaitDriver.tracker(trackerOf(first).name()).orElseThrow());
    assertTrue(LsnWaitDriver.trackers().contains(trackerOf(first)));
  }

  @Test
  void roleCanBeForced() throws Exception {
    Connection forced = connect(cluster.replica().lsnwaitUrl() + "?lsnwait.role=primary");
    assertEquals(LsnWaitConnection.Role.PRIMARY, forced.unwrap(LsnWaitConnection.class).role());
  }
}

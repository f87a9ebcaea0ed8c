package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Bad settings fail at connect with a clear message that never shows the password. */
class DriverSettingsIT extends ClusterTest {

  private static final String PASSWORD = "s3cret-Pa55word";

  private SQLException connectFailure(String url) {
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    properties.setProperty("password", PASSWORD);
    return assertThrows(SQLException.class, () -> DriverManager.getConnection(url, properties).close());
  }

  @Test
  void invalidValueIsNamed() {
    SQLException e = connectFailure(cluster.replica().lsnwaitUrl() + "?lsnwait.timeout=soon&password=" + PASSWORD);
    assertTrue(e.getMessage().contains("lsnwait.timeout"), e.getMessage());
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
  }

  @Test
  void unknownLsnwaitPropertyIsRejected() {
    SQLException e = connectFailure(cluster.replica().lsnwaitUrl() + "?lsnwait.timout=1s");
    assertTrue(e.getMessage().contains("lsnwait.timout"), e.getMessage());
    assertTrue(e.getMessage().contains("lsnwait.timeout"), "lists the known ones: " + e.getMessage());
  }

  @Test
  void notAPostgresqlUrl() {
    SQLException e = connectFailure("jdbc:lsnwait:mysql://127.0.0.1:1/x?password=" + PASSWORD);
    assertTrue(e.getMessage().contains("jdbc:lsnwait:postgresql://"), e.getMessage());
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
  }

  @Test
  void wrongPasswordErrorComesFromPgjdbcWithoutThePassword() throws Exception {
    SQLException e = connectFailure("jdbc:lsnwait:postgresql://127.0.0.1:" + PgFreePort.get() + "/postgres");
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
  }

  /** A port nothing listens on. */
  private static final class PgFreePort {
    static int get() throws java.io.IOException {
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        return socket.getLocalPort();
      }
    }
  }
}

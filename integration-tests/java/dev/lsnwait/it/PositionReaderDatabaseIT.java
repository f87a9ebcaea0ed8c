package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A primary's position reader connects to the database of the first lsnwait connection to that server in the JVM.
 * Once that database is dropped (a tenant's, a test's), tokens of the server's other databases must still be read:
 * the reader moves to a database in use now.
 */
class PositionReaderDatabaseIT extends ClusterTest {

  @Test
  void tokensStillResolveAfterTheFirstConnectionsDatabaseIsDropped() throws Exception {
    PgCluster own = ownCluster("kept");
    PgCluster.execute(own.primary(), "CREATE DATABASE short_lived");
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    String url = own.primary().lsnwaitUrl();
    try (Connection first = DriverManager.getConnection(url.replace("/postgres", "/short_lived"), user);
        Statement s = first.createStatement()) {
      s.execute("CREATE TABLE t (id int)");
      s.execute("INSERT INTO t VALUES (1)");
      assertFalse(LsnContext.current().isEmpty()); // read through the position reader: it is connected now
    }
    PgCluster.execute(own.primary(), "DROP DATABASE short_lived WITH (FORCE)");
    LsnContext.clear();
    try (Connection c = DriverManager.getConnection(url, user); Statement s = c.createStatement()) {
      s.execute("INSERT INTO kept VALUES (1, 'x')");
    }
    assertFalse(LsnContext.current().isEmpty(), "PositionUnavailableException before this");
  }
}

package dev.lsnwait.flyway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.lsnwait.LsnWaitDriver;
import java.util.Properties;
import org.flywaydb.core.internal.database.DatabaseType;
import org.flywaydb.core.internal.database.DatabaseTypeRegister;
import org.junit.jupiter.api.Test;

/** Flyway finds the plugin by itself, takes lsnwait's URLs with it, and keeps its own for everything else. */
class LsnWaitFlywayDatabaseTypeTest {

  private static final String URL = "jdbc:lsnwait:postgresql://db:5432/app?lsnwait.replicas=replica:5432";

  @Test
  void flywayTakesLsnwaitsUrlsWithLsnwaitsDriver() {
    DatabaseType type = DatabaseTypeRegister.getDatabaseTypeForUrl(URL, null);
    assertInstanceOf(LsnWaitFlywayDatabaseType.class, type);
    assertEquals(LsnWaitDriver.class.getName(), type.getDriverClass(URL, getClass().getClassLoader()));
    Properties properties = new Properties();
    type.setDefaultConnectionProps(URL, properties, getClass().getClassLoader());
    assertEquals(defaultsOfFlywaysPostgresql(), properties, "as Flyway sets them for pgjdbc's URL");
  }

  /** Which of its types Flyway takes for pgjdbc's URLs differs by version (11.7 takes CockroachDB's): not ours. */
  @Test
  void pgjdbcsUrlsAndConnectionsStayFlywaysOwn() {
    assertFalse(plainType() instanceof LsnWaitFlywayDatabaseType);
    assertFalse(new LsnWaitFlywayDatabaseType().handlesDatabaseProductNameAndVersion("PostgreSQL", "18.1", null));
  }

  private static DatabaseType plainType() {
    return DatabaseTypeRegister.getDatabaseTypeForUrl("jdbc:postgresql://db:5432/app", null);
  }

  private static Properties defaultsOfFlywaysPostgresql() {
    Properties properties = new Properties();
    plainType().setDefaultConnectionProps("jdbc:postgresql://db:5432/app", properties, null);
    return properties;
  }
}

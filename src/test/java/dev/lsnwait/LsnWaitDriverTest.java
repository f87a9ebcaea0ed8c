package dev.lsnwait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LsnWaitDriverTest {

  private final LsnWaitDriver driver = new LsnWaitDriver();

  @Test
  void registeredWithDriverManagerForItsUrlsOnly() throws SQLException {
    assertTrue(DriverManager.getDriver("jdbc:lsnwait:postgresql://localhost/db") instanceof LsnWaitDriver);
    assertTrue(driver.acceptsURL("jdbc:lsnwait:postgresql://localhost/db"));
    assertFalse(driver.acceptsURL("jdbc:postgresql://localhost/db"));
    assertNull(driver.connect("jdbc:postgresql://localhost/db", new Properties()), "JDBC: null for other URLs");
  }

  @Test
  void describesItsPropertiesAfterPgjdbcs() throws SQLException {
    Map<String, DriverPropertyInfo> info =
        Arrays.stream(driver.getPropertyInfo("jdbc:lsnwait:postgresql://localhost/db?lsnwait.timeout=2s", null))
            .collect(Collectors.toMap(p -> p.name, Function.identity()));
    assertTrue(info.containsKey("ssl"), "pgjdbc's own properties are listed");
    assertEquals("2s", info.get("lsnwait.timeout").value);
    assertEquals("auto", info.get("lsnwait.role").value);
    assertEquals(3, info.get("lsnwait.role").choices.length);
    assertTrue(info.get("lsnwait.onTimeout").description.contains("ReplicationTimeoutException"));
    assertEquals(0, driver.getPropertyInfo("jdbc:mysql://x/y", null).length);
  }

  @Test
  void invalidSettingsFailBeforeConnecting() {
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> driver.connect("jdbc:lsnwait:postgresql://localhost:1/db?lsnwait.onTimeout=maybe", null));
    assertTrue(e.getMessage().contains("lsnwait.onTimeout"), e.getMessage());
  }
}

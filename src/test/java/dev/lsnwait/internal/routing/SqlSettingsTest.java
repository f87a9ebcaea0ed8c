package dev.lsnwait.internal.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlSettingsTest {

  private static List<String> kept(String... made) {
    Map<String, String> kept = new LinkedHashMap<>();
    for (String sql : made) {
      SqlSettings.keep(sql, kept);
    }
    return List.copyOf(kept.values());
  }

  @Test
  void aSettingMadeAgainIsKeptOnceTheLatestLast() {
    assertEquals(List.of("SET search_path = a", "set app.tenant to '9'"),
        kept("SET app.tenant = '1'", "SET search_path = a", "set app.tenant to '9'"));
    assertEquals(List.of("SET SESSION app.tenant='2'"), kept("SET app.tenant = '1'", "SET SESSION app.tenant='2'"));
    assertEquals(List.of("SET TIME ZONE 'UTC'"), kept("SET TIME ZONE 'Europe/Paris'", "SET TIME ZONE 'UTC'"));
    assertEquals(List.of("SET ROLE b;"), kept("SET ROLE a", "SET ROLE b;"));
    assertEquals(List.of("set app.x = 2"), kept("SET \"App.X\" = 1", "set app.x = 2"),
        "PostgreSQL ignores the case of a setting's name, quoted or not");
  }

  @Test
  void resetForgetsWhatAMemberOpenedLaterWouldHaveByDefault() {
    assertEquals(List.of("SET b = 2"), kept("SET a = 1", "SET b = 2", "RESET a"));
    assertEquals(List.of(), kept("SET a = 1", "SET ROLE x", "RESET ALL"));
    assertEquals(List.of("SET c = 3"), kept("SET a = 1", "reset all;", "SET c = 3"));
    assertEquals(List.of(), kept("SET SESSION AUTHORIZATION u", "RESET SESSION AUTHORIZATION"));
  }

  @Test
  void severalStatementsAreKeptWhole() {
    assertEquals(List.of("SET a = 1; SET b = 2", "SET a = 3"), kept("SET a = 1; SET b = 2", "SET a = 3"));
    assertEquals(List.of("SET a = 1; SET b = 2"), kept("SET a = 1; SET b = 2", "SET a = 1; SET b = 2"));
  }
}

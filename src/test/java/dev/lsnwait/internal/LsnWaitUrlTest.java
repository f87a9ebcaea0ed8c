package dev.lsnwait.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LsnWaitUrlTest {

  @Test
  void acceptsOnlyItsPrefix() {
    assertTrue(LsnWaitUrl.accepts("jdbc:lsnwait:postgresql://h/db"));
    assertTrue(LsnWaitUrl.accepts("JDBC:LSNWAIT:postgresql://h/db"));
    assertFalse(LsnWaitUrl.accepts("jdbc:postgresql://h/db"));
    assertFalse(LsnWaitUrl.accepts(null));
  }

  @Test
  void lsnwaitParametersNeverReachPgjdbc() throws SQLException {
    Properties info = new Properties();
    info.setProperty("user", "app");
    info.setProperty("lsnwait.onTimeout", "proceed");
    LsnWaitUrl url =
        LsnWaitUrl.parse(
            "jdbc:lsnwait:postgresql://h1:5432,h2:5433/db?ssl=true&lsnwait.timeout=250ms&ApplicationName=a%20b"
                + "&lsnwait.role=replica",
            info);
    assertEquals("jdbc:postgresql://h1:5432,h2:5433/db?ssl=true&ApplicationName=a%20b", url.pgjdbcUrl());
    assertEquals("app", url.pgjdbcProperties().getProperty("user"));
    assertFalse(url.pgjdbcProperties().stringPropertyNames().stream().anyMatch(k -> k.startsWith("lsnwait.")));
    Settings settings = url.settings();
    assertEquals(Settings.Role.REPLICA, settings.role());
    assertEquals(Duration.ofMillis(250), settings.timeout());
    assertEquals(Settings.OnTimeout.PROCEED, settings.onTimeout());
  }

  @Test
  void urlWithOnlyLsnwaitParametersLosesItsQuery() {
    assertEquals(
        "jdbc:postgresql://h/db",
        LsnWaitUrl.parse("jdbc:lsnwait:postgresql://h/db?lsnwait.role=primary", null).pgjdbcUrl());
  }

  @Test
  void defaultsAreTheSeeds() throws SQLException {
    Settings settings = LsnWaitUrl.parse("jdbc:lsnwait:postgresql://h/db", new Properties()).settings();
    assertEquals(Settings.Role.AUTO, settings.role());
    assertEquals(Duration.ofSeconds(5), settings.timeout());
    assertEquals(Settings.OnTimeout.FAIL, settings.onTimeout());
    assertEquals(Duration.ofNanos(250_000), settings.pollInterval());
    assertEquals(180, settings.maxPollRate());
    assertEquals(Duration.ofMillis(1), settings.resolveInterval());
    assertEquals(Duration.ofMillis(10), settings.refreshInterval());
    assertEquals(Settings.Tokens.WRITES, settings.tokens());
  }

  @Test
  void durationsInSeveralForms() throws SQLException {
    assertEquals(Duration.ofMillis(1500), Settings.from(Map.of(Setting.TIMEOUT, "1500")).timeout());
    assertEquals(Duration.ofSeconds(2), Settings.from(Map.of(Setting.TIMEOUT, "2s")).timeout());
    assertEquals(Duration.ofMinutes(1), Settings.from(Map.of(Setting.TIMEOUT, "1m")).timeout());
    assertEquals(Duration.ofNanos(250_000), Settings.from(Map.of(Setting.POLL_INTERVAL, "250us")).pollInterval());
    assertEquals(Duration.ofMillis(1200), Settings.from(Map.of(Setting.TIMEOUT, "PT1.2S")).timeout());
    assertEquals(Duration.ZERO, Settings.from(Map.of(Setting.TIMEOUT, "0")).timeout());
    assertEquals(Duration.ZERO, Settings.from(Map.of(Setting.REFRESH_INTERVAL, "0")).refreshInterval());
  }

  @Test
  void badValuesAreNamedClearly() {
    SQLException e = assertThrows(SQLException.class, () -> Settings.from(Map.of(Setting.TIMEOUT, "soon")));
    assertTrue(e.getMessage().contains("lsnwait.timeout='soon'"), e.getMessage());
    e = assertThrows(SQLException.class, () -> Settings.from(Map.of(Setting.ROLE, "leader")));
    assertTrue(e.getMessage().contains("auto, primary, replica"), e.getMessage());
    assertThrows(SQLException.class, () -> Settings.from(Map.of(Setting.POLL_INTERVAL, "0")));
    e = assertThrows(
        SQLException.class,
        () -> LsnWaitUrl.parse("jdbc:lsnwait:postgresql://h/db?lsnwait.tiemout=1s", null).settings());
    assertTrue(e.getMessage().contains("lsnwait.tiemout"), e.getMessage());
  }

  @Test
  void aRoutingUrlNamesItsReplicasAndTheirWait() throws SQLException {
    Settings settings = LsnWaitUrl.parse("jdbc:lsnwait:postgresql://p:5432/db?lsnwait.replicas=r1:5432,%20[::1]:6432,r3"
        + "&lsnwait.replicaWait=50ms", null).settings();
    assertTrue(settings.routes());
    assertEquals(java.util.List.of("r1:5432", "[::1]:6432", "r3"), settings.replicas());
    assertEquals(Duration.ofMillis(50), settings.replicaWait());
    Settings plain = LsnWaitUrl.parse("jdbc:lsnwait:postgresql://p/db", null).settings();
    assertFalse(plain.routes());
    assertEquals(Duration.ofMillis(20), plain.replicaWait());
  }

  @Test
  void malformedReplicaAddressesAreRefusedByName() {
    SQLException error = assertThrows(SQLException.class,
        () -> LsnWaitUrl.parse("jdbc:lsnwait:postgresql://p/db?lsnwait.replicas=a/b:1", null).settings());
    assertTrue(error.getMessage().contains("lsnwait.replicas"), error.getMessage());
    assertEquals("22023", error.getSQLState());
  }

  @Test
  void aReplicaKeepsTheDatabaseAndParametersButNotTheHostSelection() {
    Properties info = new Properties();
    info.setProperty("user", "app");
    info.setProperty("targetServerType", "primary");
    LsnWaitUrl url = LsnWaitUrl.parse("jdbc:lsnwait:postgresql://p1:5432,p2:5432/app?ssl=true&targetServerType=primary"
        + "&loadBalanceHosts=true&lsnwait.replicas=r:1", info);
    assertEquals("jdbc:postgresql://r:1/app?ssl=true", url.pgjdbcUrlFor("r:1"));
    assertEquals("app", url.pgjdbcPropertiesForReplica().getProperty("user"));
    assertFalse(url.pgjdbcPropertiesForReplica().containsKey("targetServerType"));
    assertEquals("jdbc:postgresql://r:1/app",
        LsnWaitUrl.parse("jdbc:lsnwait:postgresql:app", null).pgjdbcUrlFor("r:1"));
    assertEquals("jdbc:postgresql://r:1/", LsnWaitUrl.parse("jdbc:lsnwait:postgresql://p/", null).pgjdbcUrlFor("r:1"));
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.SharedCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.integration.spring.SpringLiquibase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Schema migrations through {@code jdbc:lsnwait:} URLs: Flyway and Liquibase on a Spring Boot application's
 * DataSource (plain and routing URL), and given the URL itself ({@code spring.flyway.url}, {@code
 * spring.liquibase.url}, Flyway's Java API, Liquibase's command with lsnwait's driver named). Version 1 makes a table
 * and a function that only reads; version 2 makes the function write. Between the two, an auto-commit call makes no
 * token (lsnwait's catalog proved it reads); right after version 2, the same call makes one: lsnwait saw the
 * migration's DDL and forgot its proof, whichever connection and transaction the tool ran it in.
 */
class MigrationsIT {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String FLYWAY = "classpath:migrations/flyway";
  private static final String LIQUIBASE = "classpath:migrations/liquibase/changelog.sql";
  private final PgCluster cluster = SharedCluster.get();

  /** A Spring Boot application with nothing but auto-configuration. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class MigratingApp {}

  /** Runs version 2. */
  @FunctionalInterface
  interface Migration {
    void run() throws Exception;
  }

  @AfterEach
  void clean() {
    LsnContext.clear();
  }

  /** A new database for one test, on the replica too; its lsnwait URL, routing or not. */
  private String url(String database, boolean routing) {
    PgCluster.execute(cluster.primary(), "CREATE DATABASE " + database);
    cluster.awaitReplicaCaughtUp(PATIENCE);
    return "jdbc:lsnwait:postgresql://127.0.0.1:" + cluster.primary().port() + "/" + database
        + (routing ? "?lsnwait.replicas=127.0.0.1:" + cluster.replica().port() : "");
  }

  private static ConfigurableApplicationContext app(String... properties) {
    return new SpringApplicationBuilder(MigratingApp.class).web(WebApplicationType.NONE)
        .properties("spring.main.banner-mode=off", "spring.datasource.username=postgres")
        .properties(properties).run();
  }

  @ParameterizedTest(name = "routing URL: {0}")
  @ValueSource(booleans = {false, true})
  void flywayOnTheApplicationsDataSource(boolean routing) throws Exception {
    String url = url("flyway_on_datasource_" + routing, routing);
    try (ConfigurableApplicationContext app = app("spring.datasource.url=" + url, "spring.liquibase.enabled=false",
        "spring.flyway.locations=" + FLYWAY, "spring.flyway.target=1")) {
      JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
      Flyway flyway = app.getBean(Flyway.class);
      assertEquals("1", flyway.info().current().getVersion().getVersion());
      volatilityChangeIsSeen(() -> jdbc.queryForObject("SELECT mig_f()", Long.class),
          () -> Flyway.configure().configuration(flyway.getConfiguration()).target("latest").load().migrate());
    }
  }

  @ParameterizedTest(name = "routing URL: {0}")
  @ValueSource(booleans = {false, true})
  void liquibaseOnTheApplicationsDataSource(boolean routing) throws Exception {
    String url = url("liquibase_on_datasource_" + routing, routing);
    try (ConfigurableApplicationContext app = app("spring.datasource.url=" + url, "spring.flyway.enabled=false",
        "spring.liquibase.change-log=" + LIQUIBASE, "spring.liquibase.contexts=v1")) {
      JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
      volatilityChangeIsSeen(() -> jdbc.queryForObject("SELECT mig_f()", Long.class),
          () -> liquibase(app, app.getBean(DataSource.class)).afterPropertiesSet());
    }
  }

  /** The application's changelog with version 2 as well, on {@code dataSource}. */
  private static SpringLiquibase liquibase(ConfigurableApplicationContext app, DataSource dataSource) {
    SpringLiquibase liquibase = new SpringLiquibase();
    liquibase.setDataSource(dataSource);
    liquibase.setChangeLog(LIQUIBASE);
    liquibase.setContexts("v1,v2");
    liquibase.setResourceLoader(app);
    return liquibase;
  }

  @Test
  void flywayGivenTheUrlBySpringFlywayUrl() throws Exception {
    String url = url("flyway_url", false);
    String routing = url + "?lsnwait.replicas=127.0.0.1:" + cluster.replica().port();
    try (ConfigurableApplicationContext app = app("spring.datasource.url=" + url, "spring.liquibase.enabled=false",
        "spring.flyway.url=" + routing, "spring.flyway.user=postgres",
        "spring.flyway.locations=" + FLYWAY, "spring.flyway.target=1")) {
      JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
      Flyway flyway = app.getBean(Flyway.class);
      assertNotSame(app.getBean(DataSource.class), flyway.getConfiguration().getDataSource(), "Flyway's own");
      volatilityChangeIsSeen(() -> jdbc.queryForObject("SELECT mig_f()", Long.class),
          () -> Flyway.configure().configuration(flyway.getConfiguration()).target("latest").load().migrate());
    }
  }

  @Test
  void liquibaseGivenTheUrlBySpringLiquibaseUrl() throws Exception {
    String url = url("liquibase_url", false);
    try (ConfigurableApplicationContext app = app("spring.datasource.url=" + url, "spring.flyway.enabled=false",
        "spring.liquibase.url=" + url, "spring.liquibase.user=postgres",
        "spring.liquibase.change-log=" + LIQUIBASE, "spring.liquibase.contexts=v1")) {
      JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
      DataSource own = app.getBean(SpringLiquibase.class).getDataSource();
      assertNotSame(app.getBean(DataSource.class), own, "Liquibase's own");
      volatilityChangeIsSeen(() -> jdbc.queryForObject("SELECT mig_f()", Long.class),
          () -> liquibase(app, own).afterPropertiesSet());
    }
  }

  @ParameterizedTest(name = "routing URL: {0}")
  @ValueSource(booleans = {false, true})
  void flywaysJavaApiGivenTheUrl(boolean routing) throws Exception {
    String url = url("flyway_api_" + routing, routing);
    FluentConfiguration flyway = Flyway.configure().dataSource(url, "postgres", null).locations(FLYWAY);
    assertEquals(1, flyway.target("1").load().migrate().migrationsExecuted);
    try (Connection connection = DriverManager.getConnection(url, "postgres", null)) {
      volatilityChangeIsSeen(() -> call(connection), () -> flyway.target("latest").load().migrate());
    }
  }

  /** As Liquibase's command line runs it; Liquibase cannot tell the driver from the URL: it is named. */
  @Test
  void liquibaseGivenTheUrlAndLsnwaitsDriver() throws Exception {
    String url = url("liquibase_api", true);
    liquibaseUpdate(url, "v1");
    try (Connection connection = DriverManager.getConnection(url, "postgres", null)) {
      volatilityChangeIsSeen(() -> call(connection), () -> liquibaseUpdate(url, "v1,v2"));
    }
  }

  private static void liquibaseUpdate(String url, String contexts) throws Exception {
    new CommandScope(UpdateCommandStep.COMMAND_NAME)
        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.URL_ARG, url)
        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.USERNAME_ARG, "postgres")
        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DRIVER_ARG, LsnWaitDriver.class.getName())
        .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, LIQUIBASE.substring("classpath:".length()))
        .addArgumentValue(UpdateCommandStep.CONTEXTS_ARG, contexts)
        .execute();
  }

  private static long call(Connection connection) throws Exception {
    try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("SELECT mig_f()")) {
      assertTrue(row.next());
      return row.getLong(1);
    }
  }

  /**
   * Once lsnwait's catalog proves that {@code mig_f()} only reads, an auto-commit call makes no token; right after
   * {@code migrateToV2} the same call (which now writes) makes one.
   */
  private static void volatilityChangeIsSeen(Callable<Long> callF, Migration migrateToV2) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      LsnContext.clear();
      callF.call();
      if (LsnContext.current().isEmpty()) {
        break; // proved: reads only
      }
      if (System.nanoTime() - deadline > 0) {
        fail("lsnwait never proved that mig_f() only reads");
      }
      Thread.sleep(20);
    }
    migrateToV2.run();
    LsnContext.clear();
    long id = callF.call();
    assertFalse(LsnContext.current().isEmpty(), "the call that wrote (row " + id + ") made no token: lsnwait kept "
        + "what it proved of mig_f() before the migration");
    assertTrue(id > 0, "mig_f() now inserts: " + id);
  }
}

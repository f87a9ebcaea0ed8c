package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.PgBouncer;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code commit()} and {@code setAutoCommit(true)} through lsnwait behave as pgjdbc's own: the same exceptions
 * (deferred constraints, serialization failures, a failed transaction), the same warnings, the same rows, under
 * pgjdbc's settings that change how it sends SQL (autosave, query modes, prepare thresholds, PgBouncer in transaction
 * mode with {@code prepareThreshold=0}). Each scenario runs on plain pgjdbc and on lsnwait, and their outcomes match.
 */
class CommitParityIT extends ClusterTest {

  private static PgBouncer bouncer;

  /** A scenario on one connection: what the application sees. */
  @FunctionalInterface
  private interface Scenario {
    void run(Connection c, List<String> seen) throws SQLException;
  }

  @BeforeAll
  static void createTables() {
    PgCluster.execute(cluster.primary(), String.join(";",
        "DROP TABLE IF EXISTS parity_rows, parity_unique, parity_skew",
        "CREATE TABLE parity_rows (id int)",
        "CREATE TABLE parity_unique (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TABLE parity_skew (id int PRIMARY KEY, v int)",
        "CREATE OR REPLACE FUNCTION parity_warn() RETURNS trigger LANGUAGE plpgsql"
            + " AS $$BEGIN RAISE WARNING 'checked at commit'; RETURN NULL; END$$",
        "CREATE CONSTRAINT TRIGGER parity_warn AFTER INSERT ON parity_rows DEFERRABLE INITIALLY DEFERRED"
            + " FOR EACH ROW EXECUTE FUNCTION parity_warn()"));
    if (PgBouncer.isInstalled()) {
      bouncer = PgBouncer.transactionPooling(cluster.primary().port(), 2);
    }
  }

  @AfterAll
  static void stopBouncer() throws Exception {
    closeAll(bouncer);
  }

  private static void reset() {
    PgCluster.execute(cluster.primary(), "TRUNCATE parity_rows, parity_unique, parity_skew;"
        + " INSERT INTO parity_skew VALUES (1, 0), (2, 0)");
  }

  /** Rows of parity_rows, as a plain connection sees them. */
  private static long rows() {
    return PgCluster.queryLong(cluster.primary(), "SELECT count(*) FROM parity_rows");
  }

  private static final Scenario WARNING_AT_COMMIT = (c, seen) -> {
    c.setAutoCommit(false);
    c.createStatement().execute("INSERT INTO parity_rows VALUES (1)");
    c.clearWarnings();
    c.commit();
    for (SQLWarning w = c.getWarnings(); w != null; w = w.getNextWarning()) {
      seen.add("warning " + w.getSQLState() + " " + w.getMessage());
    }
  };

  private static final Scenario DEFERRED_VIOLATION = (c, seen) -> {
    c.setAutoCommit(false);
    c.createStatement().execute("INSERT INTO parity_unique VALUES (1), (1)");
    c.commit();
  };

  private static final Scenario DEFERRED_VIOLATION_ON_AUTO_COMMIT = (c, seen) -> {
    c.setAutoCommit(false);
    c.createStatement().execute("INSERT INTO parity_unique VALUES (1), (1)");
    c.setAutoCommit(true);
  };

  private static final Scenario COMMIT_OF_A_FAILED_TRANSACTION = (c, seen) -> {
    c.setAutoCommit(false);
    c.createStatement().execute("INSERT INTO parity_rows VALUES (1)");
    try {
      c.createStatement().execute("SELECT 1/0");
    } catch (SQLException e) {
      seen.add("statement " + e.getSQLState());
    }
    c.commit();
  };

  private static final Scenario SERIALIZATION_FAILURE = (c, seen) -> {
    try (Connection other = cluster.primary().connect()) {
      for (Connection each : List.of(c, other)) {
        each.setAutoCommit(false);
        each.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        each.createStatement().execute("SELECT sum(v) FROM parity_skew");
      }
      c.createStatement().execute("UPDATE parity_skew SET v = v + 1 WHERE id = 1");
      other.createStatement().execute("UPDATE parity_skew SET v = v + 1 WHERE id = 2");
      other.commit();
      seen.add("the other committed");
      c.commit();
    }
  };

  private static final Scenario MANY_COMMITS = (c, seen) -> {
    c.setAutoCommit(false);
    for (int i = 0; i < 8; i++) { // past prepareThreshold: pgjdbc prepares what it sends often
      c.createStatement().execute("INSERT INTO parity_rows VALUES (" + i + ")");
      c.commit();
      try (ResultSet r = c.createStatement().executeQuery("SELECT count(*) FROM parity_unique")) {
        r.next();
      }
      c.commit();
    }
  };

  /** What the application saw: exceptions, warnings, rows, auto-commit. */
  private static List<String> outcome(String url, Scenario scenario) throws SQLException {
    reset();
    List<String> seen = new ArrayList<>();
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    try (Connection c = DriverManager.getConnection(url, user)) {
      try {
        scenario.run(c, seen);
      } catch (SQLException e) {
        seen.add("exception " + e.getClass().getSimpleName() + " " + e.getSQLState() + " " + e.getMessage());
      }
      seen.add("autoCommit " + c.getAutoCommit());
      if (!c.getAutoCommit()) {
        c.rollback();
      }
    }
    seen.add("rows " + rows());
    return seen;
  }

  static Stream<Arguments> settingsAndScenarios() {
    List<Arguments> all = new ArrayList<>();
    for (String settings : List.of("", "autosave=always", "autosave=conservative&cleanupSavepoints=true",
        "preferQueryMode=simple", "preferQueryMode=extendedCacheEverything", "prepareThreshold=1", "bouncer")) {
      for (String scenario : List.of("WARNING_AT_COMMIT", "DEFERRED_VIOLATION", "DEFERRED_VIOLATION_ON_AUTO_COMMIT",
          "COMMIT_OF_A_FAILED_TRANSACTION", "SERIALIZATION_FAILURE", "MANY_COMMITS")) {
        if (!(settings.equals("bouncer") && scenario.equals("SERIALIZATION_FAILURE"))) { // a session SET
          all.add(Arguments.of(settings, scenario));
        }
      }
    }
    return all.stream();
  }

  private static Scenario scenario(String name) {
    return switch (name) {
      case "WARNING_AT_COMMIT" -> WARNING_AT_COMMIT;
      case "DEFERRED_VIOLATION" -> DEFERRED_VIOLATION;
      case "DEFERRED_VIOLATION_ON_AUTO_COMMIT" -> DEFERRED_VIOLATION_ON_AUTO_COMMIT;
      case "COMMIT_OF_A_FAILED_TRANSACTION" -> COMMIT_OF_A_FAILED_TRANSACTION;
      case "SERIALIZATION_FAILURE" -> SERIALIZATION_FAILURE;
      default -> MANY_COMMITS;
    };
  }

  @ParameterizedTest(name = "{1} with {0}")
  @MethodSource("settingsAndScenarios")
  void commitBehavesAsPgjdbcDoes(String settings, String name) throws Exception {
    String plain;
    String lsnwait;
    if (settings.equals("bouncer")) {
      org.junit.jupiter.api.Assumptions.assumeTrue(bouncer != null, "needs pgbouncer");
      plain = bouncer.jdbcUrl();
      lsnwait = bouncer.lsnwaitUrl();
    } else {
      String query = settings.isEmpty() ? "" : "?" + settings;
      plain = cluster.primary().jdbcUrl() + query;
      lsnwait = cluster.primary().lsnwaitUrl() + query;
    }
    List<String> expected = outcome(plain, scenario(name));
    LsnContext.clear();
    List<String> actual = outcome(lsnwait, scenario(name));
    assertEquals(expected, actual, "pgjdbc saw " + expected);
    if (name.equals("MANY_COMMITS") || name.equals("WARNING_AT_COMMIT")) {
      assertFalse(LsnContext.current().isEmpty(), "committed writes make a token");
    }
  }

  @Test
  void aTransactionLeftOpenAtCloseIsRolledBackAndMakesNoToken() throws Exception {
    reset();
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    LsnContext.clear();
    try (Connection c = DriverManager.getConnection(cluster.primary().lsnwaitUrl(), user)) {
      c.setAutoCommit(false);
      c.createStatement().execute("INSERT INTO parity_unique VALUES (1)");
    }
    assertEquals(0, PgCluster.queryLong(cluster.primary(), "SELECT count(*) FROM parity_unique"));
    assertTrue(LsnContext.current().isEmpty(), "nothing committed");
  }

  @Test
  void aReadOnlyTransactionCommitsAsPgjdbcsAndMakesNoToken() throws Exception {
    for (String settings : List.of("", "?readOnlyMode=always")) {
      Scenario readOnly = (c, seen) -> {
        c.setReadOnly(true);
        c.setAutoCommit(false);
        try (ResultSet r = c.createStatement().executeQuery("SELECT count(*) FROM parity_rows")) {
          r.next();
        }
        c.commit();
        try {
          c.createStatement().execute("INSERT INTO parity_rows VALUES (1)");
        } catch (SQLException e) {
          seen.add("insert " + e.getSQLState());
        }
        c.commit();
      };
      List<String> expected = outcome(cluster.primary().jdbcUrl() + settings, readOnly);
      LsnContext.clear();
      assertEquals(expected, outcome(cluster.primary().lsnwaitUrl() + settings, readOnly));
      assertTrue(LsnContext.current().isEmpty(), "nothing written: no token");
    }
  }
}

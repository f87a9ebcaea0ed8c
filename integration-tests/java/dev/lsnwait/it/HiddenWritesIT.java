package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

/**
 * Reads that write although their SQL names no writing function the ordinary way: PostgreSQL gives each of these a
 * transaction ID (checked by hand on PostgreSQL 18), so each must make a token, in a database of this class's own
 * (kept: the JVM's first lsnwait connection, maybe to it, chose where the primary's position is read).
 */
class HiddenWritesIT extends ClusterTest {

  private static final String DATABASE = "review_hidden";
  private static final String OPERATORS = "review_operators";

  /** Writing functions reached by functional notation, a keyword-like name, a domain, a view read by XML. */
  private static final String[] FIXTURE = {
      "CREATE TABLE items (id int, note text)", "INSERT INTO items VALUES (1, 'a')",
      "CREATE TABLE log (what text)", "GRANT INSERT ON log TO PUBLIC",
      "CREATE FUNCTION w() RETURNS int LANGUAGE plpgsql AS $$BEGIN INSERT INTO log VALUES ('w'); RETURN 1; END$$",
      "CREATE FUNCTION touched(i items) RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO log VALUES ('touched'); RETURN i.id; END$$",
      "CREATE SCHEMA api",
      "CREATE FUNCTION api.order(x int) RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO log VALUES ('order'); RETURN x; END$$",
      "CREATE FUNCTION api.fetch(x int) RETURNS SETOF int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO log VALUES ('fetch'); RETURN NEXT x; END$$",
      "CREATE DOMAIN checked AS int CHECK (w() = 1)", "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
      "CREATE FUNCTION takes_checked(x checked) RETURNS int LANGUAGE sql STABLE SET search_path = public"
          + " AS 'SELECT x'", // not inlined: the caller coerces its argument, and the domain's check runs
      "CREATE FUNCTION takes_positive(x positive) RETURNS int LANGUAGE sql STABLE SET search_path = public"
          + " AS 'SELECT x'",
      "CREATE SCHEMA xmlish", "CREATE VIEW xmlish.vw AS SELECT w() AS x",
      "CREATE FUNCTION w€() RETURNS int LANGUAGE plpgsql AS $$BEGIN INSERT INTO log VALUES ('€'); RETURN 1; END$$",
      "CREATE FUNCTION sql_reads() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM items'",
      "CREATE TABLE policed (id int)", "INSERT INTO policed VALUES (1)",
      "ALTER TABLE policed ENABLE ROW LEVEL SECURITY",
      "CREATE POLICY seen ON policed FOR SELECT USING (w() = 1)",
      "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'review_reader') THEN"
          + " CREATE ROLE review_reader LOGIN; END IF; END$$",
      "GRANT SELECT ON policed, items TO review_reader",
      "CREATE EXTENSION dblink"};

  @BeforeAll
  static void createDatabase() throws SQLException {
    PgCluster.execute(cluster.primary(), "DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
    PgCluster.execute(cluster.primary(), "CREATE DATABASE " + DATABASE);
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      for (String sql : FIXTURE) {
        s.execute(sql); // through lsnwait: its catalog learns of each change
      }
    }
  }

  private static Connection connect(String user) throws SQLException {
    return connect(user, DATABASE);
  }

  private static Connection connect(String user, String database) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    return DriverManager.getConnection(cluster.primary().lsnwaitUrl().replace("/postgres", "/" + database),
        properties);
  }

  /** Whether {@code sql} in auto-commit on {@code c} made a token. */
  private static boolean makesAToken(Connection c, String sql) throws SQLException {
    LsnContext.clear();
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
    boolean made = !LsnContext.current().isEmpty();
    LsnContext.clear();
    return made;
  }

  /** Waits until lsnwait proves that {@code control} only reads: its catalog was read after the fixture. */
  private static void awaitProof(Connection c, String control) {
    Deadline.await(PATIENCE, "lsnwait to prove that " + control + " only reads", () -> {
      try {
        return !makesAToken(c, control);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT i.touched FROM items i", // functional notation: touched(i)
      "SELECT (i).touched FROM items i",
      "SELECT api.order(1)", // a keyword-like name is a call when qualified
      "SELECT * FROM api.fetch(1)",
      "SELECT 1::checked", // a domain's CHECK runs
      "SELECT CAST(1 AS checked)",
      "SELECT takes_checked(1)",
      "SELECT table_to_xml('xmlish.vw', true, false, '')", // STABLE built-ins that read a writing view
      "SELECT schema_to_xml('xmlish', true, false, '')",
      "EXPLAIN (\"analyze\") INSERT INTO log VALUES ('explained')", // an option name is an identifier
      "SELECT w€()"}) // PostgreSQL takes any non-ASCII character into a name
  void aReadThatWritesMakesAToken(String sql) throws Exception {
    try (Connection c = connect("postgres")) {
      awaitProof(c, "SELECT sql_reads(), lower(note) FROM items");
      assertTrue(makesAToken(c, sql), sql + " writes (it has a transaction ID) but made no token");
    }
  }

  @Test
  void aDomainWhoseCheckOnlyReadsKeepsAReadARead() throws Exception {
    try (Connection c = connect("postgres")) {
      awaitProof(c, "SELECT sql_reads(), lower(note) FROM items");
      assertFalse(makesAToken(c, "SELECT 1::positive, takes_positive(2)"), "no spare wait");
    }
  }

  @Test
  void copyOfATableWhosePolicyWritesMakesAToken() throws Exception {
    try (Connection c = connect("review_reader")) {
      awaitProof(c, "SELECT sql_reads(), lower(note) FROM items");
      assertTrue(makesAToken(c, "SELECT * FROM policed"), "a query of it is a write already");
      LsnContext.clear();
      c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY policed TO STDOUT", OutputStream.nullOutputStream());
      assertFalse(LsnContext.current().isEmpty(), "COPY of a table runs its row-level policy, which writes");
    }
  }

  @Test
  void aBackslashQuoteUnderNonStandardStringsHidesNoCall() throws Exception {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      awaitProof(c, "SELECT sql_reads(), lower(note) FROM items");
      s.execute("SET standard_conforming_strings = off");
      s.execute("SET escape_string_warning = off");
      assertTrue(makesAToken(c, "SELECT '\\'', w(), '\\''"), "with standard_conforming_strings off, \\' quotes");
    }
  }

  @Test
  void aCopyOfAQueryWhenAUserOperatorWritesMakesAToken() throws Exception {
    PgCluster.execute(cluster.primary(), "DROP DATABASE IF EXISTS " + OPERATORS + " WITH (FORCE)");
    PgCluster.execute(cluster.primary(), "CREATE DATABASE " + OPERATORS);
    try (Connection c = connect("postgres", OPERATORS); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE log (what text)");
      s.execute("CREATE FUNCTION plus_logged(a int, b int) RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO log VALUES ('==='); RETURN a + b; END$$");
      s.execute("CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = plus_logged)");
      Deadline.await(PATIENCE, "lsnwait to read the catalog with the operator", () -> {
        try {
          return makesAToken(c, "SELECT 1");  // every read may write now
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(makesAToken(c, "SELECT 1 === 2"), "a query is judged a write");
      LsnContext.clear();
      c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT 1 === 2) TO STDOUT",
          OutputStream.nullOutputStream());
      assertFalse(LsnContext.current().isEmpty(), "the same query in a COPY writes too");
    }
  }

  @Test
  void aWriteCommittedThroughDblinkInATransactionMakesAToken() throws Exception {
    String others = "host=127.0.0.1 port=" + cluster.primary().port() + " dbname=" + DATABASE + " user=postgres";
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      LsnContext.clear();
      s.execute("SELECT dblink_exec('" + others + "', 'INSERT INTO log VALUES (''autonomous'')')");
      c.commit();
      c.setAutoCommit(true);
      assertFalse(LsnContext.current().isEmpty(), "the row is committed (by dblink's own session) and a replica"
          + " read right after misses it; the same statement in auto-commit makes a token");
    }
  }

  /**
   * A cursor WITH HOLD left unread is run to its end by {@code COMMIT} itself (to outlive the transaction): its query
   * writes after {@code commit()}'s question whether the transaction has an ID, which found none.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aHoldableCursorOverAWritingFunctionMakesAToken(boolean commitInSql) throws Exception {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      awaitProof(c, "SELECT count(*) FROM items");
      LsnContext.clear();
      if (commitInSql) {
        s.execute("BEGIN");
      } else {
        c.setAutoCommit(false);
      }
      s.execute("DECLARE held CURSOR WITH HOLD FOR SELECT w() FROM generate_series(1, 3)");
      if (commitInSql) {
        s.execute("COMMIT");
      } else {
        c.commit();
        c.setAutoCommit(true);
      }
      s.execute("CLOSE held");
      assertFalse(LsnContext.current().isEmpty(), "COMMIT ran w() three times, and committed what it wrote");
      LsnContext.clear();
      c.setAutoCommit(false);
      s.execute("DECLARE quiet CURSOR WITH HOLD FOR SELECT count(*) FROM items");
      c.commit();
      c.setAutoCommit(true);
      s.execute("CLOSE quiet");
      assertTrue(LsnContext.current().isEmpty(), "a holdable cursor that only reads makes no token");
    }
  }
}

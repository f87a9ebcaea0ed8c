package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Commit detection against SQL nobody here wrote: PostgreSQL's own regression scripts ({@link RegressionCorpus},
 * about 40,000 statements: DDL, DML, triggers, rules, procedures, COPY, prepared transactions, their own
 * {@code BEGIN} and {@code COMMIT}), run in order through lsnwait in auto-commit, where lsnwait judges from the SQL.
 * The truth for each statement is the server's: the transaction IDs assigned since the last statement (the next ID
 * before and after, with nothing else assigning any: autovacuum off), and those still open, asked with
 * {@code pg_xact_status}: a statement that committed one must leave a token, failed or not (a procedure that commits
 * then raises). A committed ID and no token is a stale read waiting to happen and fails the test; tokens without a
 * commit (spare waits: most follow DDL, which makes lsnwait count every statement a write until it has read the
 * catalog again) are counted. Every other script goes through the URL that routes ({@code lsnwait.replicas}; in
 * auto-commit, not read-only, all of it runs on the primary). The same scripts run first through plain pgjdbc, on a
 * cluster of their own: through lsnwait the same statements fail, with the same SQLSTATE, and no others.
 */
class RegressionTruthIT extends ClusterTest {

  /** Not run: they would change or stop the server for everyone, or only sleep. */
  private static final Pattern SKIPPED = Pattern.compile(
      "(?is).*\\b(ALTER\\s+SYSTEM|pg_terminate_backend|pg_sleep(_for|_until)?)\\b.*|\\s*DROP\\s+DATABASE\\b.*");
  private static final Pattern COPY_TO_STDOUT = Pattern.compile("(?is)\\s*COPY\\b.*\\bTO\\s+STDOUT\\b.*");

  private final List<String> falseNegatives = new ArrayList<>();
  private final Map<String, Integer> sparesByCommand = new TreeMap<>();
  private final List<String> closedConnections = new ArrayList<>();
  private int compared;
  private int committed;

  /** What the test does around each statement of a run. */
  private interface Check {
    default void before() throws SQLException {}

    default void after(Path script, String sql, boolean threw) throws SQLException {}
  }

  @Test
  void everyStatementThatCommittedATransactionIdLeavesATokenAndEachEndsAsWithoutLsnwait() throws Exception {
    Path corpus = RegressionCorpus.directory();
    List<String> plainFailures;
    try (PgCluster plain = regressionCluster()) { // roles and tablespaces are the cluster's: one each
      plainFailures = runCorpus(corpus, List.of(plain.primary().jdbcUrl().replace("/postgres", "/regression")),
          new Check() {});
    }
    PgCluster own = closeLater(regressionCluster());
    // every other script through the URL that routes (auto-commit, not read-only: all of it runs on the primary)
    List<String> lsnwaitUrls = List.of(own.primary().lsnwaitUrl().replace("/postgres", "/regression"),
        own.routingUrl().replace("/postgres?", "/regression?"));
    List<String> failures;
    try (ServerCommits server = new ServerCommits(own.primary().jdbcUrl().replace("/postgres", "/regression"))) {
      failures = runCorpus(corpus, lsnwaitUrls, new Check() {
        @Override
        public void before() throws SQLException {
          server.mark();
          LsnContext.clear();
        }

        @Override
        public void after(Path script, String sql, boolean threw) throws SQLException {
          compare(script, sql, threw, server.committedSinceMark()); // after a crash, once the server is back
        }
      });
    }
    report(failures.size());
    assertEquals(List.of(), falseNegatives, "a statement committed a transaction ID and left no token");
    assertTrue(compared > 20_000 && committed > 5_000, "the corpus ran: " + compared + " statements, " + committed
        + " committed");
    assertEquals(List.of(), differences(plainFailures, failures),
        "the same statements fail, with the same SQLSTATE, as with plain pgjdbc");
  }

  /** A primary and standby with a database {@code regression}; nothing assigns transaction IDs on its own. */
  private static PgCluster regressionCluster() {
    PgCluster cluster = PgCluster.start(Duration.ZERO, false, "autovacuum = off", "max_prepared_transactions = 10");
    PgCluster.execute(cluster.primary(), "CREATE DATABASE regression");
    return cluster;
  }

  /** The failures of one run that the other lacks, marked by the run. */
  private static List<String> differences(List<String> plain, List<String> lsnwait) {
    List<String> differences = new ArrayList<>();
    List<String> onlyPlain = new ArrayList<>(plain);
    lsnwait.forEach(onlyPlain::remove);
    List<String> onlyLsnwait = new ArrayList<>(lsnwait);
    plain.forEach(onlyLsnwait::remove);
    onlyPlain.forEach(f -> differences.add("only with plain pgjdbc: " + f));
    onlyLsnwait.forEach(f -> differences.add("only through lsnwait: " + f));
    return differences;
  }

  /**
   * Runs every script on a connection of its own (as pg_regress does), through the URLs in turn, every statement in
   * auto-commit; the failures, as script, SQLSTATE and statement. A connection that was closed (pgjdbc closes it
   * when DateStyle leaves ISO; a server crash closes all) is replaced.
   */
  private List<String> runCorpus(Path corpus, List<String> urls, Check check) throws Exception {
    Map<String, String> variables = Map.of("abs_srcdir", corpus.toString(), "abs_builddir", corpus.toString(),
        "libdir", "/nonexistent", "dlsuffix", ".so");
    List<String> failures = new ArrayList<>();
    List<Path> scripts = RegressionCorpus.scripts(corpus);
    for (int i = 0; i < scripts.size(); i++) {
      Path script = scripts.get(i);
      String url = urls.get(i % urls.size());
      PsqlScript statements = new PsqlScript(Files.readString(script), variables);
      Connection connection = connect(url);
      try {
        for (PsqlScript.Statement s = statements.next(); s != null; s = statements.next()) {
          if (SKIPPED.matcher(s.sql()).matches()) {
            continue;
          }
          check.before();
          String state = null;
          try {
            run(connection, s);
          } catch (SQLException e) {
            state = String.valueOf(e.getSQLState());
            failures.add(script.getFileName() + ": " + state + ": " + oneLine(s.sql()));
          }
          check.after(script, s.sql(), state != null);
          if (state != null && !connection.isValid(5)) {
            closedConnections.add(script.getFileName() + ": " + oneLine(s.sql()));
            connection.close();
            connection = reconnect(url);
          }
        }
      } finally {
        connection.close();
      }
    }
    return failures;
  }

  private void compare(Path script, String sql, boolean threw, boolean wrote) throws SQLException {
    boolean token = !LsnContext.current().isEmpty();
    compared++;
    committed += wrote ? 1 : 0;
    if (wrote && !token) {
      falseNegatives.add(script.getFileName() + (threw ? " (failed)" : "") + ": " + oneLine(sql));
    } else if (token && !wrote) {
      String[] words = oneLine(sql).toUpperCase(Locale.ROOT).split(" ", 3);
      sparesByCommand.merge(words[0] + (words.length > 1 && words[1].matches("[A-Z]+") ? " " + words[1] : ""), 1,
          Integer::sum);
    }
  }

  private static void run(Connection lsnwait, PsqlScript.Statement statement) throws SQLException {
    try {
      if (statement.copyData() != null) {
        lsnwait.unwrap(PGConnection.class).getCopyAPI().copyIn(statement.sql(),
            new StringReader(statement.copyData()));
      } else if (COPY_TO_STDOUT.matcher(statement.sql()).matches()) {
        lsnwait.unwrap(PGConnection.class).getCopyAPI().copyOut(statement.sql(), OutputStream.nullOutputStream());
      } else {
        try (Statement s = lsnwait.createStatement()) {
          s.execute(statement.sql());
        }
      }
    } catch (IOException e) {
      throw new SQLException(e);
    }
  }

  /** A new connection, once the server takes one again (it may be restarting after a crash). */
  private static Connection reconnect(String url) throws SQLException {
    Deadline.await(PATIENCE, "the primary to take connections again", () -> {
      try (Connection probe = connect(url)) {
        return probe.isValid(5);
      } catch (SQLException e) {
        return false;
      }
    });
    return connect(url);
  }

  private static Connection connect(String url) throws SQLException {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    Connection connection = DriverManager.getConnection(url, user);
    try (Statement s = connection.createStatement()) {
      s.execute("SET statement_timeout = '20s'");
    }
    return connection;
  }

  private static String oneLine(String sql) {
    return sql.strip().replaceAll("\\s+", " ");
  }

  private void report(int failed) {
    int readOnly = compared - committed;
    int spares = sparesByCommand.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "commit detection against PostgreSQL's"
        + " regression scripts: %d statements (%d failed), %d committed a transaction ID;"
        + " false negatives %d, spare tokens %d (%.1f%% of the others)%n", compared, failed, committed,
        falseNegatives.size(), spares, 100.0 * spares / Math.max(1, readOnly)));
    sparesByCommand.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
        .forEach(e -> out.append("  spare tokens left by ").append(e.getKey()).append(": ").append(e.getValue())
            .append('\n'));
    closedConnections.stream().distinct().forEach(s -> out.append("  the connection was closed, and replaced, at ")
        .append(s)
        .append('\n'));
    falseNegatives.forEach(s -> out.append("  FALSE NEGATIVE ").append(s).append('\n'));
    System.out.print(out);
  }

  /**
   * The server's answer: which transaction IDs were assigned (the next ID moved) and which of them, or of those still
   * open before, committed since the last {@link #mark}. Asked on a plain connection in auto-commit, which assigns
   * none itself.
   */
  private static final class ServerCommits implements AutoCloseable {
    private final String url;
    private final Set<Long> open = new LinkedHashSet<>();
    private Connection plain;
    private long nextAtMark;

    ServerCommits(String url) throws SQLException {
      this.url = url;
      this.plain = connect(url);
    }

    void mark() throws SQLException {
      try {
        nextAtMark = nextTransactionId();
      } catch (SQLException e) {
        reconnect(); // the server crashed on the statement before
        nextAtMark = nextTransactionId();
      }
    }

    boolean committedSinceMark() throws SQLException {
      try {
        return committedSince(nextAtMark);
      } catch (SQLException e) {
        if (plain.isValid(5)) {
          throw e;
        }
        reconnect(); // the server crashed on this statement: what committed stays so, what was open aborted
        return committedSince(nextAtMark);
      }
    }

    private boolean committedSince(long since) throws SQLException {
      for (long id = since, next = nextTransactionId(); id < next; id++) {
        open.add(id);
      }
      boolean committed = false;
      for (Iterator<Long> ids = open.iterator(); ids.hasNext(); ) {
        String status = query("SELECT pg_xact_status('" + ids.next() + "'::xid8)");
        committed |= "committed".equals(status);
        if (!"in progress".equals(status)) {
          ids.remove();
        }
      }
      return committed;
    }

    /** After the server dropped every connection (it crashed, and restarts). */
    private void reconnect() throws SQLException {
      plain.close();
      plain = RegressionTruthIT.reconnect(url);
    }

    private long nextTransactionId() throws SQLException {
      return Long.parseLong(query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text"));
    }

    private String query(String sql) throws SQLException {
      try (Statement s = plain.createStatement(); ResultSet row = s.executeQuery(sql)) {
        row.next();
        return row.getString(1);
      }
    }

    @Override
    public void close() throws SQLException {
      plain.close();
    }
  }
}

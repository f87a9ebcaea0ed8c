package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.LsnContext;
import dev.lsnwait.it.CommitTruthCorpus.Case;
import dev.lsnwait.testkit.Deadline;
import java.io.OutputStream;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * The differential test of commit detection against the server's own answer: within one transaction,
 * {@code pg_current_xact_id_if_assigned()} is not null exactly when it changed something a replica replays. Every
 * case of {@link CommitTruthCorpus} runs on a real primary through lsnwait, in its own transaction, four ways:
 * auto-commit (the server's answer from the same SQL in a transaction rolled back on a plain connection just
 * before), {@code commit()} and {@code COMMIT} sent as SQL (the answer asked on the same connection before the
 * commit), and {@code COMMIT} at the end of the case's own string (the auto-commit answer: lsnwait can ask only
 * before the string runs). A false negative (a transaction ID and no token: a stale read) fails the test; false
 * positives (a token with no transaction ID: a spare wait) are counted by rule and printed. The oracle is the
 * question {@code commit()} itself asks, so it cannot see writes without a transaction ID in this session (a row
 * that dblink's own session commits: see {@code HiddenWritesIT}).
 */
class CommitTruthIT extends ClusterTest {

  private static final String WROTE = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL";
  private static final int GENERATED = Integer.getInteger("lsnwait.truth.cases", 1500);
  private static final long SEED = Long.getLong("lsnwait.truth.seed", 20261206L);

  private enum Mode { AUTO_COMMIT, COMMIT_METHOD, COMMIT_IN_SQL, COMMIT_IN_SAME_STRING }

  /** What one mode found. */
  private static final class Tally {
    int compared;
    int errors;
    final Map<String, Integer> errorStates = new TreeMap<>();
    final List<String> falseNegatives = new ArrayList<>();
    final Map<String, Integer> falsePositives = new TreeMap<>();
    int written;

    void add(Case c, boolean wrote, boolean token) {
      compared++;
      written += wrote ? 1 : 0;
      if (wrote && !token) {
        falseNegatives.add(c.rule() + ": " + c.sql());
      } else if (!wrote && token) {
        falsePositives.merge(c.rule().replaceAll("\\+.*", "+…"), 1, Integer::sum);
      }
    }

    void failed(SQLException e) {
      errors++;
      errorStates.merge(e.getSQLState() + " " + e.getMessage().replaceAll("\\s+", " ")
          .replaceAll("[\"'][^\"']*[\"']|[0-9]+", "_"), 1, Integer::sum);
    }

    int falsePositiveCount() {
      return falsePositives.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  @Test
  void everyTransactionWithATransactionIdMakesAToken() throws Exception {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    user.setProperty("currentSchema", "dt,public");
    try (Connection lsnwait = DriverManager.getConnection(cluster.primary().lsnwaitUrl(), user);
        Connection plain = DriverManager.getConnection(cluster.primary().jdbcUrl(), user)) {
      try (Statement s = lsnwait.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS dt CASCADE");
        for (String sql : CommitTruthCorpus.FIXTURE) {
          s.execute(sql);
        }
      }
      awaitCatalog(lsnwait);
      List<Case> cases = new CommitTruthCorpus(SEED).cases(GENERATED);
      Map<Mode, Tally> tallies = new java.util.EnumMap<>(Mode.class);
      for (Mode mode : Mode.values()) {
        tallies.put(mode, new Tally());
      }
      for (Case c : cases) {
        Boolean wrote = autoCommit(c, lsnwait, plain, tallies.get(Mode.AUTO_COMMIT));
        if (wrote != null && !c.isCopy()) {
          commitInSameString(c, lsnwait, wrote, tallies.get(Mode.COMMIT_IN_SAME_STRING));
        }
        inTransaction(c, lsnwait, false, tallies.get(Mode.COMMIT_METHOD));
        inTransaction(c, lsnwait, true, tallies.get(Mode.COMMIT_IN_SQL));
        if (c.rule().contains("ddl") || c.rule().contains("call-do")) {
          awaitCatalog(lsnwait); // until it is read again every read counts as a write: a spare wait, not a miss
        }
      }
      largeObjects(lsnwait, tallies.get(Mode.COMMIT_METHOD));
      report(cases.size(), tallies);
      for (Mode mode : Mode.values()) {
        assertEquals(List.of(), tallies.get(mode).falseNegatives, mode + ": a transaction ID and no token");
        assertTrue(tallies.get(mode).compared > cases.size() / 2, mode + ": most cases ran");
      }
      assertEquals(0, tallies.get(Mode.COMMIT_METHOD).falsePositiveCount(),
          "commit() takes the server's answer: no spare token");
    }
  }

  /**
   * Auto-commit: the truth from the same SQL in a transaction rolled back on a plain connection, then lsnwait; the
   * truth, if the case ran in both.
   */
  private static Boolean autoCommit(Case c, Connection lsnwait, Connection plain, Tally tally) {
    Boolean wrote;
    try {
      plain.setAutoCommit(false);
      run(plain, c.sqlFor(0), c.isCopy());
      wrote = ask(plain);
    } catch (SQLException e) {
      wrote = null; // fails, or cannot run in a transaction block: nothing to compare
    } finally {
      rollbackQuietly(plain);
    }
    LsnContext.clear();
    try {
      run(lsnwait, c.sqlFor(0), c.isCopy());
    } catch (SQLException e) {
      tally.failed(e);
      return null;
    } finally {
      rollbackQuietly(lsnwait);
    }
    if (wrote != null) {
      tally.add(c, wrote, hasToken());
    }
    return wrote;
  }

  /** {@code BEGIN}, then the case and its {@code COMMIT} in one string, as scripts and some tools send them. */
  private static void commitInSameString(Case c, Connection lsnwait, boolean wrote, Tally tally) {
    LsnContext.clear();
    try (Statement s = lsnwait.createStatement()) {
      s.execute("BEGIN");
      s.execute(c.sqlFor(3) + "\n;COMMIT");
    } catch (SQLException e) {
      tally.failed(e);
      return;
    } finally {
      rollbackQuietly(lsnwait);
    }
    tally.add(c, wrote, hasToken());
  }

  /** In a transaction, asking the server on the same connection before {@code commit()} or {@code COMMIT}. */
  private static void inTransaction(Case c, Connection lsnwait, boolean commitInSql, Tally tally)
      throws SQLException {
    LsnContext.clear();
    boolean wrote;
    try (Statement s = lsnwait.createStatement()) {
      if (commitInSql) {
        s.execute("BEGIN");
      } else {
        lsnwait.setAutoCommit(false);
      }
      run(lsnwait, c.sqlFor(commitInSql ? 2 : 1), c.isCopy());
      wrote = ask(lsnwait);
      if (commitInSql) {
        s.execute("COMMIT");
      } else {
        lsnwait.commit();
      }
    } catch (SQLException e) {
      tally.failed(e);
      rollbackQuietly(lsnwait);
      return;
    } finally {
      rollbackQuietly(lsnwait);
    }
    tally.add(c, wrote, hasToken());
  }

  /** Large objects through pgjdbc's API (kept from a first transaction): written, and only read. */
  private static void largeObjects(Connection lsnwait, Tally tally) throws SQLException {
    lsnwait.setAutoCommit(false);
    LargeObjectManager objects = lsnwait.unwrap(PGConnection.class).getLargeObjectAPI();
    long oid = objects.createLO();
    lsnwait.commit();
    for (int i = 0; i < 50; i++) {
      boolean write = i % 2 == 0;
      LsnContext.clear();
      try (LargeObject object = objects.open(oid, write ? LargeObjectManager.READWRITE : LargeObjectManager.READ)) {
        if (write) {
          object.write(new byte[] {(byte) i});
        } else {
          object.read(1);
        }
      }
      boolean wrote = ask(lsnwait);
      lsnwait.commit();
      tally.add(new Case(write ? "large-object-write" : "large-object-read", "lo " + i), wrote, hasToken());
    }
    lsnwait.setAutoCommit(true);
  }

  /** Runs one case: COPY through pgjdbc's COPY API, anything else as a statement. */
  private static void run(Connection connection, String sql, boolean copy) throws SQLException {
    if (copy) {
      try {
        var copyApi = connection.unwrap(PGConnection.class).getCopyAPI();
        if (sql.toUpperCase(Locale.ROOT).contains("FROM STDIN")) {
          copyApi.copyIn(sql, new StringReader("a\nb\n"));
        } else {
          copyApi.copyOut(sql, OutputStream.nullOutputStream());
        }
      } catch (java.io.IOException e) {
        throw new SQLException(e);
      }
      return;
    }
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  private static boolean ask(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet row = s.executeQuery(WROTE)) {
      row.next();
      return row.getBoolean(1);
    }
  }

  private static boolean hasToken() {
    try {
      return !LsnContext.current().isEmpty();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ends whatever transaction a failed case left open, by pgjdbc or by SQL. */
  private static void rollbackQuietly(Connection connection) {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
        connection.setAutoCommit(true);
      } else if (connection.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE) {
        try (Statement s = connection.createStatement()) {
          s.execute("ROLLBACK");
        }
      }
    } catch (SQLException ignored) {
      // the next case starts clean or fails on its own
    }
  }

  /** Waits until lsnwait proved the fixture's reading functions (it read the catalog after the fixture). */
  private static void awaitCatalog(Connection lsnwait) {
    Deadline.await(PATIENCE, "lsnwait to read the fixture's functions", () -> {
      LsnContext.clear();
      try {
        run(lsnwait, "SELECT dt.sql_reads(), count(*) FROM dt.v_plain", false);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      return !hasToken();
    });
  }

  private static void report(int cases, Map<Mode, Tally> tallies) {
    StringBuilder out = new StringBuilder("commit detection against the server's answer, " + cases
        + " cases (seed " + SEED + "):\n");
    tallies.forEach((mode, tally) -> out.append(String.format(Locale.ROOT,
        "  %-14s compared %5d (wrote %5d), errors %4d, false negatives %d, false positives %d (%.1f%% of"
            + " read-only)%n", mode, tally.compared, tally.written, tally.errors, tally.falseNegatives.size(),
        tally.falsePositiveCount(),
        100.0 * tally.falsePositiveCount() / Math.max(1, tally.compared - tally.written))));
    tallies.forEach((mode, tally) -> {
      if (!tally.falsePositives.isEmpty()) {
        out.append("  ").append(mode).append(" false positives by rule: ").append(tally.falsePositives)
            .append('\n');
      }
    });
    tallies.forEach((mode, tally) -> out.append("  ").append(mode).append(" errors: ").append(tally.errorStates)
        .append('\n'));
    System.out.print(out);
  }
}

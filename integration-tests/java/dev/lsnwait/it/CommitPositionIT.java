package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code commit()} learns the primary's position in its own round trip: the token it leaves covers the commit and
 * is no later than the primary's position right after it, and the primary is never asked for a position on the
 * side (pg_stat_statements counts lsnwait's position reads). Commits made otherwise (auto-commit) still are.
 */
class CommitPositionIT {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String POSITION_READS = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
      + " WHERE query LIKE 'SELECT pg_current_wal_insert_lsn()::text, (%'"; // PrimaryPosition.QUERY
  private static final int COMMITS = 50;
  private static PgCluster cluster;

  @BeforeAll
  static void start() {
    cluster = PgCluster.start(Duration.ZERO, false, "shared_preload_libraries = 'pg_stat_statements'");
    PgCluster.execute(cluster.primary(), "CREATE EXTENSION pg_stat_statements");
    PgCluster.execute(cluster.primary(), "CREATE TABLE commit_position (id int PRIMARY KEY)");
    cluster.awaitReplicaCaughtUp(PATIENCE);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @BeforeEach
  void cleanContext() {
    LsnContext.clear();
  }

  /**
   * Commits read their position in their own round trip while tokens are in use (one resolved within ten seconds;
   * until then a mark costs less): one write and its token, as a request's first would.
   */
  private static void tokensInUse(String url) throws SQLException {
    try (Connection lsnwait = DriverManager.getConnection(url, "postgres", "");
        Statement statement = lsnwait.createStatement()) {
      statement.executeUpdate("INSERT INTO commit_position VALUES (-1) ON CONFLICT DO NOTHING");
      LsnContext.current();
      LsnContext.clear();
    }
  }

  private static Lsn insertPosition(Statement plain) throws SQLException {
    try (ResultSet row = plain.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
      row.next();
      return Lsn.parse(row.getString(1));
    }
  }

  @Test
  void commitLeavesATokenBetweenItsWriteAndThePositionAfterItWithoutAPositionRead() throws Exception {
    tokensInUse(cluster.primary().lsnwaitUrl());
    try (Connection lsnwait = DriverManager.getConnection(cluster.primary().lsnwaitUrl(), "postgres", "");
        Connection plain = cluster.primary().connect();
        Statement plainStatement = plain.createStatement()) {
      long readsBefore = PgCluster.queryLong(cluster.primary(), POSITION_READS);
      lsnwait.setAutoCommit(false);
      for (int i = 0; i < COMMITS; i++) {
        LsnContext.clear();
        try (Statement statement = lsnwait.createStatement()) {
          statement.executeUpdate("INSERT INTO commit_position VALUES (" + i + ")");
        }
        Lsn beforeCommit = insertPosition(plainStatement);
        lsnwait.commit();
        LsnToken token = LsnContext.current();
        Lsn afterCommit = insertPosition(plainStatement);
        Lsn position = token.lsnFor(cluster.systemIdentifier()).orElseThrow();
        assertTrue(position.compareTo(beforeCommit) > 0, position + " covers the commit after " + beforeCommit);
        assertTrue(position.compareTo(afterCommit) <= 0, position + " is no later than " + afterCommit);
      }
      assertEquals(readsBefore, PgCluster.queryLong(cluster.primary(), POSITION_READS),
          "no position read for commits that read their own");
    }
  }

  @Test
  void withTokensForEveryCommitEvenReadsAndReadOnlyTransactionsMakeOneWithoutAPositionRead() throws Exception {
    String url = cluster.primary().lsnwaitUrl() + "?lsnwait.tokens=commits";
    tokensInUse(url);
    try (Connection lsnwait = DriverManager.getConnection(url, "postgres", "");
        Connection plain = cluster.primary().connect();
        Statement plainStatement = plain.createStatement()) {
      long readsBefore = PgCluster.queryLong(cluster.primary(), POSITION_READS);
      lsnwait.setAutoCommit(false);
      for (boolean readOnly : new boolean[] {false, true}) {
        LsnContext.clear();
        lsnwait.setReadOnly(readOnly);
        try (Statement statement = lsnwait.createStatement()) {
          statement.executeQuery("SELECT count(*) FROM commit_position").close();
        }
        Lsn beforeCommit = insertPosition(plainStatement);
        lsnwait.commit();
        Lsn position = LsnContext.current().lsnFor(cluster.systemIdentifier()).orElseThrow();
        // nothing written: the position as it was, less the alignment padding lsnwait takes off (at most 7 bytes)
        assertTrue(position.asLong() + 7 >= beforeCommit.asLong(), position + " is the position after " + beforeCommit);
      }
      assertEquals(readsBefore, PgCluster.queryLong(cluster.primary(), POSITION_READS));
    }
  }

  @Test
  void whileNoTokenIsUsedCommitsLeaveAMarkAsCheaperAndTheFirstTokenUsedIsExact() throws Exception {
    PgCluster fresh = PgCluster.start(Duration.ZERO, false); // its position reader has seen no token used
    try (fresh;
        Connection lsnwait = DriverManager.getConnection(fresh.primary().lsnwaitUrl(), "postgres", "");
        Connection plain = fresh.primary().connect();
        Statement plainStatement = plain.createStatement()) {
      PgCluster.execute(fresh.primary(), "CREATE TABLE marked (id int)");
      lsnwait.setAutoCommit(false);
      try (Statement statement = lsnwait.createStatement()) {
        statement.executeUpdate("INSERT INTO marked VALUES (1)");
      }
      Lsn beforeCommit = insertPosition(plainStatement);
      lsnwait.commit();
      Lsn position = LsnContext.current().lsnFor(fresh.systemIdentifier()).orElseThrow();
      assertTrue(position.compareTo(beforeCommit) > 0, position + " covers the commit after " + beforeCommit);
    }
  }

  @Test
  void autoCommitWritesStillHaveTheirPositionRead() throws Exception {
    try (Connection lsnwait = DriverManager.getConnection(cluster.primary().lsnwaitUrl(), "postgres", "");
        Statement statement = lsnwait.createStatement()) {
      long readsBefore = PgCluster.queryLong(cluster.primary(), POSITION_READS);
      statement.executeUpdate("INSERT INTO commit_position VALUES (1000)");
      assertTrue(LsnContext.current().lsnFor(cluster.systemIdentifier()).isPresent());
      assertTrue(PgCluster.queryLong(cluster.primary(), POSITION_READS) > readsBefore);
    }
  }
}

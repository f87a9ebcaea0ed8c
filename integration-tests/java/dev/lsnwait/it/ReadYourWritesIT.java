package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Write on the primary pool, read at once on the replica pool, with replay paused: the read blocks, and sees the row
 * after replay resumes — for every way a transaction can commit.
 */
class ReadYourWritesIT extends ClusterTest {

  /** The ways a write can commit (DESIGN.md's list). */
  enum CommitStyle {
    AUTO_COMMIT_STATEMENT {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
          s.executeUpdate("INSERT INTO " + table + " VALUES (" + id + ", 'auto')");
        }
      }
    },
    AUTO_COMMIT_PREPARED {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
          s.setInt(1, id);
          s.setString(2, "prepared");
          s.executeUpdate();
        }
      }
    },
    COMMIT_METHOD {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        c.setAutoCommit(false);
        AUTO_COMMIT_PREPARED.write(c, table, id);
        c.commit();
      }
    },
    SET_AUTO_COMMIT_TRUE {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        c.setAutoCommit(false);
        AUTO_COMMIT_STATEMENT.write(c, table, id);
        c.setAutoCommit(true);
      }
    },
    SQL_COMMIT {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        c.setAutoCommit(false);
        AUTO_COMMIT_STATEMENT.write(c, table, id);
        try (Statement s = c.createStatement()) {
          s.execute("COMMIT");
        }
      }
    },
    SQL_BEGIN_END_IN_AUTO_COMMIT {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
          s.execute("BEGIN");
          s.executeUpdate("INSERT INTO " + table + " VALUES (" + id + ", 'begin-end')");
          s.execute("END");
        }
      }
    },
    BATCH {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO " + table + " VALUES (?, 'batch')")) {
          s.setInt(1, id + 1000);
          s.addBatch();
          s.setInt(1, id);
          s.addBatch();
          s.executeBatch();
        }
      }
    },
    COMMIT_PREPARED {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        String gid = table + "_" + id;
        c.setAutoCommit(false);
        AUTO_COMMIT_STATEMENT.write(c, table, id);
        try (Statement s = c.createStatement()) {
          s.execute("PREPARE TRANSACTION '" + gid + "'");
          c.setAutoCommit(true);
          s.execute("COMMIT PREPARED '" + gid + "'");
        }
      }
    },
    CALL_PROCEDURE {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
          s.execute(
              "CREATE PROCEDURE " + table + "_add(i int) LANGUAGE SQL AS $$ INSERT INTO " + table
                  + " VALUES (i, 'call') $$");
        }
        LsnContext.clear(); // only the CALL's commit may make the read wait
        try (CallableStatement call = c.prepareCall("CALL " + table + "_add(?)")) {
          call.setInt(1, id);
          call.execute();
        }
      }
    },
    BATCH_THAT_FAILS_AFTER_PART_OF_IT_COMMITTED {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO " + table + " VALUES (?, 'batch')")) {
          s.setInt(1, id); // in auto-commit, pgjdbc's Sync every few hundred rows commits what came before
          s.addBatch();
          for (int i = 1; i <= 600; i++) {
            s.setInt(1, id + 100_000 + i);
            s.addBatch();
          }
          s.setInt(1, id); // a duplicate, at the end
          s.addBatch();
          assertThrows(java.sql.BatchUpdateException.class, s::executeBatch);
        }
      }
    },
    COMMIT_THEN_AN_ERROR_IN_ONE_STRING {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
          assertThrows(SQLException.class, () -> s.execute(
              "BEGIN; INSERT INTO " + table + " VALUES (" + id + ", 'then-error'); COMMIT; SELECT 1/0"));
        }
      }
    },
    PROCEDURE_THAT_COMMITS_THEN_RAISES {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
          s.execute("CREATE PROCEDURE " + table + "_fail(i int) LANGUAGE plpgsql AS $$ BEGIN INSERT INTO " + table
              + " VALUES (i, 'committed'); COMMIT; RAISE EXCEPTION 'after the commit'; END $$");
        }
        LsnContext.clear();
        try (Statement s = c.createStatement()) {
          assertThrows(SQLException.class, () -> s.execute("CALL " + table + "_fail(" + id + ")"));
        }
      }
    },
    COMMIT_AND_CHAIN {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        c.setAutoCommit(false);
        AUTO_COMMIT_STATEMENT.write(c, table, id);
        try (Statement s = c.createStatement()) {
          s.execute("COMMIT AND CHAIN"); // the connection is in a (new) transaction again
        }
        c.rollback();
      }
    },
    UPDATABLE_RESULT_SET_INSERT {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (Statement s = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE);
            ResultSet rows = s.executeQuery("SELECT id, note FROM " + table)) {
          rows.moveToInsertRow();
          rows.updateInt(1, id);
          rows.updateString(2, "updatable");
          rows.insertRow();
        }
      }
    },
    COPY_THROUGH_PGJDBCS_API {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try {
          c.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
              .copyIn("COPY " + table + " FROM STDIN", new java.io.StringReader(id + "\tcopy\n"));
        } catch (java.io.IOException e) {
          throw new SQLException(e);
        }
      }
    },
    FUNCTION_IN_SELECT {
      @Override
      void write(Connection c, String table, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
          s.execute(
              "CREATE FUNCTION " + table + "_add(i int) RETURNS int LANGUAGE SQL AS $$ INSERT INTO " + table
                  + " VALUES (i, 'function') RETURNING id $$");
        }
        LsnContext.clear();
        try (Statement s = c.createStatement();
            var rows = s.executeQuery("SELECT " + table + "_add(" + id + ")")) {
          rows.next();
        }
      }
    };

    abstract void write(Connection connection, String table, int id) throws SQLException;
  }

  @ParameterizedTest
  @EnumSource(CommitStyle.class)
  void replicaReadWaitsForTheWriteThenSeesIt(CommitStyle style) throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();

    Future<Long> seen =
        inAnotherThread(
            () -> {
              try (Connection c = primary.getConnection()) {
                style.write(c, table, 1);
              }
              try (Connection c = replica.getConnection()) {
                return count(c, table, 1);
              }
            });

    awaitWaiters(tracker, 1);
    assertFalse(seen.isDone(), "the read must wait while replay is paused");
    cluster.resumeReplay();
    assertEquals(1L, seen.get(30, TimeUnit.SECONDS), "after replay the read sees the write");
  }

  @ParameterizedTest
  @EnumSource(CommitStyle.class)
  void plainPgjdbcReadsStaleDataInTheSameSituation(CommitStyle style) throws Exception {
    String table = newTable();
    HikariDataSource primary = plainPool(cluster.primary());
    HikariDataSource replica = plainPool(cluster.replica());
    cluster.pauseReplay();
    try (Connection c = primary.getConnection()) {
      style.write(c, table, 1);
    }
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, table, 1), "without lsnwait the replica read misses the write");
    }
  }

  private ExecutorService executor;

  private <T> Future<T> inAnotherThread(Callable<T> task) {
    if (executor == null) {
      executor = Executors.newCachedThreadPool();
      closeLater(executor::shutdownNow);
    }
    return executor.submit(task);
  }

  @org.junit.jupiter.api.Test
  void rolledBackTransactionAddsNoToken() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "2s"));
    cluster.pauseReplay();
    try (Connection c = primary.getConnection()) {
      c.setAutoCommit(false);
      CommitStyle.AUTO_COMMIT_STATEMENT.write(c, table, 1);
      c.rollback();
    }
    assertTrue(LsnContext.current().isEmpty(), "a rollback produces no token");
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, table, 1)); // and does not wait
    }
  }

  @org.junit.jupiter.api.Test
  void failedTransactionKeepsPgjdbcsBehaviourAndAddsNoToken() throws Exception {
    String table = newTable();
    PgCluster.execute(cluster.primary(), "INSERT INTO " + table + " VALUES (1, 'existing')");
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource plain = plainPool(cluster.primary());
    cluster.pauseReplay();

    String viaLsnwait = failDuplicateInsertThenCommit(primary, table);
    assertTrue(LsnContext.current().isEmpty(), "a failed transaction produces no token");
    String viaPgjdbc = failDuplicateInsertThenCommit(plain, table);
    assertEquals(viaPgjdbc, viaLsnwait, "the application sees exactly what pgjdbc does");
  }

  /** What the application sees: the errors of a transaction that fails, then of its commit. */
  private static String failDuplicateInsertThenCommit(HikariDataSource pool, String table) throws Exception {
    StringBuilder seen = new StringBuilder();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      CommitStyle.AUTO_COMMIT_STATEMENT.write(c, table, 2);
      SQLException duplicate =
          assertThrows(SQLException.class, () -> CommitStyle.AUTO_COMMIT_STATEMENT.write(c, table, 1));
      SQLException inFailedTransaction =
          assertThrows(SQLException.class, () -> CommitStyle.AUTO_COMMIT_STATEMENT.write(c, table, 3));
      assertEquals("25P02", inFailedTransaction.getSQLState());
      seen.append(describe(duplicate)).append('|').append(describe(inFailedTransaction)).append('|');
      try {
        c.commit();
        seen.append("commit returned");
      } catch (SQLException e) {
        seen.append(describe(e));
      }
    }
    return seen.toString();
  }

  private static String describe(SQLException e) {
    return e.getClass().getName() + " " + e.getSQLState() + " " + e.getMessage();
  }

  @org.junit.jupiter.api.Test
  void tokenOfAnotherClusterIsIgnored() throws Exception {
    String table = newTable();
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "2s"));
    cluster.pauseReplay();
    LsnContext.set(LsnToken.of(cluster.systemIdentifier() + 1, dev.lsnwait.Lsn.of(Long.MAX_VALUE)));
    try (Connection c = replica.getConnection()) {
      assertEquals(0L, count(c, table, 1)); // returns at once: the token is not this replica's cluster
    }
    assertEquals(0, trackerOf(replica).stats().waiters());
  }

  @org.junit.jupiter.api.Test
  void serverNotInRecoveryNeverMakesAnyoneWait() throws Exception {
    String table = newTable();
    // The primary forced into the replica role: like a replica after promotion.
    HikariDataSource forced = pool(cluster.primary(), Map.of("lsnwait.role", "replica", "lsnwait.timeout", "2s"));
    LsnContext.set(LsnToken.of(cluster.systemIdentifier(), dev.lsnwait.Lsn.of(Long.MAX_VALUE)));
    try (Connection c = forced.getConnection()) {
      assertEquals(0L, count(c, table, 1));
    }
  }
}

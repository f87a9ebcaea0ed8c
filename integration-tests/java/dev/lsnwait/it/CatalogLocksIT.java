package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * lsnwait's read of the catalog (after DDL, to learn which reads may write) takes the locks PostgreSQL takes to print
 * a view's definition: the relations the view reads. It must never wait for one the application holds. Waiting, it
 * holds those it already took, and an application transaction that then asks for one of them (a migration's
 * {@code LOCK TABLE} or {@code ALTER TABLE}) closes a cycle: PostgreSQL's deadlock check, run by whichever of the two
 * began waiting first, could fail the application's statement (seen in {@code RegressionTruthIT}: {@code lock.sql}'s
 * {@code LOCK TABLE ... IN ACCESS EXCLUSIVE MODE} failed with 40P01 only through lsnwait).
 */
class CatalogLocksIT extends ClusterTest {

  private static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(3);

  @Test
  void theCatalogReadGivesUpAtOnceOnALockTheApplicationHolds() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    execute(primary, "CREATE VIEW " + table + "_v AS SELECT * FROM " + table);
    try (Connection migration = cluster.primary().connect(); Connection watcher = cluster.primary().connect()) {
      migration.setAutoCommit(false);
      try (Statement s = migration.createStatement()) {
        s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
      }
      // DDL through lsnwait: it reads its catalog again at once, the view's definition among it
      execute(primary, "CREATE FUNCTION " + table + "_f() RETURNS int LANGUAGE sql AS 'SELECT 1'");
      long longestWaitMillis = 0;
      for (long start = System.nanoTime(); System.nanoTime() - start < WATCH_NANOS; ) {
        longestWaitMillis = Math.max(longestWaitMillis, catalogLockWaitMillis(watcher));
      }
      migration.rollback();
      assertEquals(0, longestWaitMillis / 100, "lsnwait's catalog read waited " + longestWaitMillis
          + " ms for the application's lock (at most a few tens of milliseconds are allowed)");
    }
  }

  /** How long lsnwait's catalog reader has been waiting for a lock, in milliseconds (0 if it is not). */
  private static long catalogLockWaitMillis(Connection watcher) throws SQLException {
    try (Statement s = watcher.createStatement(); ResultSet row = s.executeQuery("SELECT coalesce(max(extract(epoch"
        + " FROM clock_timestamp() - state_change) * 1000), 0)::bigint FROM pg_stat_activity"
        + " WHERE application_name = 'lsnwait catalog' AND wait_event_type = 'Lock'")) {
      row.next();
      return row.getLong(1);
    }
  }
}

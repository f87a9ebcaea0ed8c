package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An instance that only reads: behind a load balancer, the page after a user's write often runs on another instance
 * than the write, which commits nothing on the cluster itself, so its forecasts had no history of the primary's
 * position to date the user's token or the replica's lag by. With the replica 300 ms behind, every page waited
 * {@code replicaWait} in vain before running on the primary (seen on Spring PetClinic, two instances: page p50 28–34
 * ms against 6 ms on the instance that wrote). Its position reader now reads every 50 ms while routing places work
 * for positions no replica has replayed, so placement knows to go to the primary at once.
 */
class ReadingInstanceIT extends OwnStandbyTest {

  private static final int PAGES = 30;
  /** Pages for this JVM to learn the replica's lag: its first waits find it out. */
  private static final int LEARNING = 5;

  @Test
  void anInstanceThatOnlyReadsDoesNotWaitInVainForAnotherInstancesWrites() throws Exception {
    own.setReplayDelay(standby, Duration.ofMillis(300));
    HikariDataSource reader = pool(Duration.ofMillis(20));
    try (Connection writer = own.primary().connect()) { // the other instance: plain pgjdbc, its token by hand
      int waitedInVain = 0;
      for (int page = 1; page <= PAGES; page++) {
        LsnToken token = write(writer, own.systemIdentifier(), page);
        LsnContext.set(token); // as the filter restores it from the user's cookie
        placements.clear();
        for (int transaction = 0; transaction < 2; transaction++) { // two read-only transactions a page
          assertEquals(1, PlacedRead.of(reader, 1_000_000 + page).count(), "never stale");
        }
        LsnContext.clear();
        if (page > LEARNING) {
          waitedInVain += (int) placements.stream().filter(p -> p.equals("primary/replicas_behind")).count();
        }
      }
      assertTrue(waitedInVain <= 2, waitedInVain + " of the last " + (PAGES - LEARNING) + " pages' read-only"
          + " transactions waited 20 ms in vain for a replica 300 ms behind");
    } finally {
      own.setReplayDelay(standby, Duration.ZERO);
    }
  }

  /** Inserts row {@code id} of {@code placed}; the token of its commit, as the other instance's filter sends it. */
  private static LsnToken write(Connection writer, long cluster, int id) throws SQLException {
    try (Statement s = writer.createStatement()) {
      s.execute("INSERT INTO placed VALUES (" + (1_000_000 + id) + ", 'page')");
      try (ResultSet row = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
        row.next();
        return LsnToken.of(cluster, Lsn.parse(row.getString(1)));
      }
    }
  }
}

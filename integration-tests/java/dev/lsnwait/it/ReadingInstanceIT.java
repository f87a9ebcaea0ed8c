package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.testkit.Deadline;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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

  private static final int PAGES = 25;

  @Test
  void anInstanceThatOnlyReadsDoesNotWaitInVainForAnotherInstancesWrites() throws Exception {
    own.setReplayDelay(standby, Duration.ofMillis(300));
    HikariDataSource reader = pool(Duration.ofMillis(20));
    try (Connection writer = own.primary().connect()) { // the other instance: plain pgjdbc, its token by hand
      AtomicInteger pages = new AtomicInteger();
      // Its first pages teach this JVM the primary's history and the replica's lag; before the fix, never.
      Deadline.await(PATIENCE, "a page placed on the primary at once, by forecast", () -> {
        try {
          pages.incrementAndGet();
          return page(reader, writer).contains("primary/forecast_behind");
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      int waitedInVain = 0;
      for (int i = 0; i < PAGES; i++) {
        waitedInVain += (int) page(reader, writer).stream()
            .filter(p -> p.equals("primary/replicas_behind")).count();
      }
      System.out.printf("reading instance: first forecast after %d pages; then %d of %d pages waited in vain%n",
          pages.get(), waitedInVain, PAGES);
      assertTrue(waitedInVain <= PAGES / 5, waitedInVain + " of the next " + PAGES + " pages' read-only"
          + " transactions waited 20 ms in vain for a replica 300 ms behind (after " + pages.get()
          + " pages to learn)");
    } finally {
      own.setReplayDelay(standby, Duration.ZERO);
    }
  }

  /** The other instance writes; this one reads the page (two read-only transactions): where they were placed. */
  private List<String> page(HikariDataSource reader, Connection writer) throws SQLException {
    int id = PlacedRead.write(writer);
    Lsn written = Lsn.parse(RoutedRows.single(writer, "SELECT pg_current_wal_insert_lsn()::text"));
    placements.clear();
    try (LsnContext.Scope cookie = LsnContext.open(LsnToken.of(own.systemIdentifier(), written))) { // the filter's
      for (int transaction = 0; transaction < 2; transaction++) {
        assertEquals(1, PlacedRead.of(reader, id).count(), "never stale");
      }
    }
    return List.copyOf(placements);
  }
}

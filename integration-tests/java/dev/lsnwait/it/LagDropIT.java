package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A standby that was far behind and keeps up again (issue 21: never wait in vain). Its tracker learnt the old lag, and
 * where writes are sparse a poll at that forecast only confirms it: it finds each commit replayed as late as it asks.
 * A reader with a shorter {@code replicaWait} is asked for before it gives up, so reads run on the standby again at
 * once, not after one wait in vain each. Its own cluster: the lag is set on purpose ({@code recovery_min_apply_delay}).
 */
class LagDropIT extends OwnStandbyTest {

  @Test
  void aStandbyThatCaughtUpServesReadsAgainWithoutWaitsInVain() throws Exception {
    HikariDataSource patient = pool(Duration.ofSeconds(2));
    warmUntil(patient, "a read after its write on the standby", PlacedRead::onReplica);
    own.setReplayDelay(standby, Duration.ofMillis(600));
    for (int page = 0; page < 3; page++) { // the tracker (one per server in the JVM) learns a lag of 600 ms
      PlacedRead read = PlacedRead.of(patient, PlacedRead.write(patient));
      assertEquals(1, read.count(), "never stale");
      assertTrue(read.onReplica() && read.millis() >= 500, "waited for the standby 600 ms behind: " + read);
    }
    own.setReplayDelay(standby, Duration.ofMillis(10));
    own.awaitCaughtUp(standby, PATIENCE);

    HikariDataSource quick = pool(Duration.ofMillis(25));
    placements.clear();
    int pages = 40;
    int onStandby = 0;
    long slowest = 0;
    for (int page = 0; page < pages; page++) { // one write a page: sparse, as a user's pages are
      PlacedRead read = PlacedRead.of(quick, PlacedRead.write(quick));
      assertEquals(1, read.count(), "never stale");
      onStandby += read.onReplica() ? 1 : 0;
      slowest = Math.max(slowest, read.millis());
    }
    long inVain = placements.stream().filter("primary/replicas_behind"::equals).count();
    String seen = onStandby + " of " + pages + " reads after their writes on the standby, " + inVain
        + " after a wait in vain, the slowest " + slowest + " ms";
    System.out.println("LagDropIT, standby 600 ms behind, then keeping up, replicaWait 25 ms: " + seen);
    assertTrue(onStandby >= pages * 9 / 10,
        "a standby keeping up again serves the reads: " + seen + ", " + placements);
  }
}

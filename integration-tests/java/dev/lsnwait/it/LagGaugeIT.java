package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaLag;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The lag that the meters and the health endpoint show ({@link LsnWaitDriver#lag}) is the tracker's last look at the
 * replica, which it takes only while reads wait or ask. An application that goes on writing while no read asks (or
 * goes idle) must not see a caught-up replica's lag grow with the clock (an alert on {@code lsnwait.replica.lag.time}
 * would fire for a healthy replica): seen on Spring PetClinic, 0.1 s growing to 113 s while idle.
 */
class LagGaugeIT extends ClusterTest {

  private static final long HALF_A_SECOND = 500_000_000L;
  private static final long QUIET_AFTER_READS = 11_000_000_000L;

  @Test
  void aReplicaNobodyAsksAboutDoesNotFallBehindWithTheClock() throws Exception {
    PgCluster own = ownCluster("notes");
    HikariDataSource primary = pool(own.primary());
    HikariDataSource replica = pool(own.replica());
    insert(primary, "notes", 1);
    try (Connection c = replica.getConnection()) {
      assertEquals(1, count(c, "notes", 1)); // the tracker looks at the replica
    }
    ReplicaTracker tracker = trackerOf(replica);
    long readAt = System.nanoTime();
    // Reads that asked keep the tracker refreshing its view for 10 s: after that it looks only for waiting reads.
    Deadline.await(PATIENCE, "the tracker's refreshes to end", () -> System.nanoTime() - readAt > QUIET_AFTER_READS);
    long polls = tracker.stats().polls();
    for (int id = 2; id <= 20; id++) { // writes whose tokens no read uses (a filter sends them): no look again
      LsnContext.clear();
      insert(primary, "notes", id);
      assertTrue(!LsnContext.current().isEmpty()); // the commit's position is read, as the filter reads it
    }
    LsnContext.clear();
    own.awaitCaughtUp(own.replica(), PATIENCE);
    AtomicReference<ReplicaLag> seen = new AtomicReference<>();
    Deadline.await(PATIENCE, "the primary's position read past the tracker's last look", () -> {
      ReplicaLag lag = LsnWaitDriver.lag(tracker).orElse(null);
      seen.set(lag);
      return lag != null && lag.bytes() > 0 && lag.time() != null;
    });
    ReplicaLag first = seen.get();
    long firstAt = System.nanoTime();
    Deadline.await(PATIENCE, "half a second to pass", () -> System.nanoTime() - firstAt > HALF_A_SECOND);
    ReplicaLag later = LsnWaitDriver.lag(tracker).orElseThrow();
    assertEquals(polls, tracker.stats().polls(), "the tracker did not look again: " + first + " then " + later);
    assertTrue(later.time().compareTo(first.time().plusMillis(100)) < 0, "the lag as of the tracker's last look"
        + " stays what it was (" + first.time().toMillis() + " ms), it does not grow with the clock: "
        + later.time().toMillis() + " ms half a second later");
  }
}

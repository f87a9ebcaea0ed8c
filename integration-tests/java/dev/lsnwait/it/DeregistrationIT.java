package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.Deadline;
import java.sql.Driver;
import java.sql.DriverManager;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Deregistering the driver stops every tracker thread and releases waiters; a new registration starts afresh. */
class DeregistrationIT extends ClusterTest {

  @Test
  void deregisteringStopsTrackerThreads() throws Exception {
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    CompletableFuture<?> waiting = tracker.whenReplayed(dev.lsnwait.Lsn.of(Long.MAX_VALUE));
    Deadline.await(PATIENCE, "the tracker thread", () -> trackerThreads() > 0);

    Driver registered =
        Collections.list(DriverManager.getDrivers()).stream()
            .filter(LsnWaitDriver.class::isInstance)
            .findFirst()
            .orElseThrow();
    try {
      DriverManager.deregisterDriver(registered);
      assertTrue(LsnWaitDriver.trackers().isEmpty());
      Deadline.await(PATIENCE, "tracker threads to end", () -> trackerThreads() == 0);
      assertTrue(waiting.isCompletedExceptionally(), "its waiter was released");
      try {
        waiting.get(1, TimeUnit.SECONDS);
      } catch (ExecutionException expected) {
        assertTrue(expected.getCause().getMessage().contains("closed"));
      }
    } finally {
      DriverManager.registerDriver(new LsnWaitDriver());
    }
    // Connections made afterwards get a new tracker.
    ReplicaTracker fresh = trackerOf(pool(cluster.replica()));
    assertTrue(fresh != tracker);
  }

  private static long trackerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("lsnwait-tracker["))
        .count();
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Wait only when waiting pays (issue 21): with one URL, read-only transactions after the thread's own write go to
 * the primary at once when the standby is forecast too late, do not wait twice for a token they fell back on, and
 * wait for a standby forecast in time. Lag is set on purpose ({@code recovery_min_apply_delay}, paused replay).
 */
class RoutingPlacementIT extends OwnStandbyTest {

  /** Between the pages of a load: about 300 commits a second each, enough to fill the JVM's ring of positions. */
  private static final long PAGE_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** Until a read after a write runs on the primary without a wait, placed there by the forecast; then clears. */
  private void warmUntilTheForecastPlacesOnThePrimary(HikariDataSource pool, long fast) {
    warmUntil(pool, "a read after a write placed on the primary by the forecast, without a wait",
        read -> !read.onReplica() && read.millis() < fast && !placements.isEmpty()
            && placements.get(placements.size() - 1).equals("primary/forecast_behind"));
    placements.clear();
  }

  @Test
  void aStandbyForecastTooLateIsNotWaitedForTheReadRunsOnThePrimaryAtOnce() throws Exception {
    own.setReplayDelay(standby, Duration.ofMillis(300));
    Duration replicaWait = Duration.ofMillis(120);
    long fast = replicaWait.toMillis() / 2;
    HikariDataSource pool = pool(replicaWait);
    // The tracker learns the standby's lag from its polls while work goes on; until then reads wait as before.
    // Placed there by the forecast: a first read may also go there for want of a replica connection yet.
    warmUntilTheForecastPlacesOnThePrimary(pool, fast);
    long slowest = 0;
    for (int page = 0; page < 10; page++) {
      int id = PlacedRead.write(pool);
      for (int transaction = 0; transaction < 2; transaction++) { // two read-only transactions per page
        PlacedRead read = PlacedRead.of(pool, id);
        slowest = Math.max(slowest, read.millis());
        assertEquals(1, read.count(), "never stale");
        assertFalse(read.onReplica(), "the primary ran it: " + read);
        assertEquals(own.primary().port(), read.port());
        assertTrue(read.millis() < fast, "no wait for a standby 300 ms behind: " + read + ", " + placements);
      }
    }
    System.out.println("RoutingPlacementIT, standby 300 ms behind, replicaWait 120 ms: the slowest of 20 read-only"
        + " transactions took " + slowest + " ms");
    assertTrue(placements.stream().allMatch(p -> p.equals("primary/forecast_behind") || p.equals("primary/fell_back")),
        placements.toString());
  }

  /**
   * A standby further behind than the primary positions this JVM keeps (a ring of the last 512 reads: about half a
   * second while the application writes and reads its writes back, one read a millisecond) is not taken for one that
   * has caught up: reads go to the primary at once here too, instead of waiting {@code replicaWait} for every token.
   */
  @Test
  void aStandbyBehindEveryPrimaryPositionKeptIsNotWaitedForEither() throws Exception {
    own.setReplayDelay(standby, Duration.ofMillis(2500));
    Duration replicaWait = Duration.ofMillis(120);
    long fast = replicaWait.toMillis() / 2;
    HikariDataSource pool = pool(replicaWait);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong busyPages = new AtomicLong();
    Thread busy = new Thread(() -> { // another request thread: writes, and reads back, a page every 2 ms or so
      while (!stop.get()) {
        try {
          PlacedRead.of(pool, PlacedRead.write(pool));
          busyPages.incrementAndGet();
          LockSupport.parkNanos(PAGE_GAP_NANOS); // a rate, not a wait for a condition: the servers share 2 cores
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
    }, "busy-pages");
    busy.start();
    try {
      warmUntilTheForecastPlacesOnThePrimary(pool, fast);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // past the delay: the standby is behind the ring
      int reads = 0;
      long slowest = 0;
      while (System.nanoTime() - end < 0) {
        int id = PlacedRead.write(pool);
        PlacedRead read = PlacedRead.of(pool, id);
        reads++;
        slowest = Math.max(slowest, read.millis());
        LockSupport.parkNanos(PAGE_GAP_NANOS);
        assertEquals(1, read.count(), "never stale");
        assertFalse(read.onReplica(), "the primary ran it: " + read);
        assertTrue(read.millis() < fast, "no wait for a standby 2.5 s behind: " + read + " after " + reads
            + " reads, " + busyPages.get() + " pages of the other thread");
      }
      System.out.println("RoutingPlacementIT, standby 2.5 s behind, replicaWait 120 ms, another thread writing: the"
          + " slowest of " + reads + " read-only transactions took " + slowest + " ms; the other thread's pages: "
          + busyPages.get());
      assertTrue(placements.stream().allMatch(p -> p.equals("primary/forecast_behind")), placements.toString());
    } finally {
      stop.set(true);
      busy.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  /**
   * A token of another instance (a cookie), newer than every read of this JVM: no wait for a standby behind. The
   * other instance's connection is open before the warm-up and its write follows at once: once this JVM's refresh
   * finds the standby caught up with every position it read (a delay after the warm-up), no forecast is left.
   */
  @Test
  void anotherInstancesNewerTokenIsNotWaitedForEither() throws Exception {
    own.setReplayDelay(standby, Duration.ofMillis(600));
    Duration replicaWait = Duration.ofMillis(120);
    HikariDataSource pool = pool(replicaWait);
    try (Connection otherInstance = own.primary().connect()) {
      long cluster =
          Long.parseLong(RoutedRows.single(otherInstance, "SELECT system_identifier FROM pg_control_system()"));
      warmUntilTheForecastPlacesOnThePrimary(pool, replicaWait.toMillis() / 2);
      long warmedAt = System.nanoTime();
      int id = PlacedRead.write(otherInstance);
      Lsn written = Lsn.parse(RoutedRows.single(otherInstance, "SELECT pg_current_wal_lsn()::text"));
      try (LsnContext.Scope cookie = LsnContext.open(LsnToken.of(cluster, written))) {
        PlacedRead read = PlacedRead.of(pool, id);
        String seen = read + ", " + placements + ", " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - warmedAt)
            + " ms after the warm-up";
        assertEquals(1, read.count(), "never stale: " + seen);
        assertFalse(read.onReplica(), "the primary ran it: " + seen);
        assertTrue(read.millis() < replicaWait.toMillis() / 2, "no wait for a standby 600 ms behind: " + seen);
        assertEquals(List.of("primary/forecast_behind"), placements);
      }
    }
  }

  @Test
  void aUnitOfWorkThatFellBackDoesNotWaitAgainForTheSameToken() throws Exception {
    own.setReplayDelay(standby, Duration.ZERO);
    Duration replicaWait = Duration.ofMillis(300);
    HikariDataSource pool = pool(replicaWait);
    warmUntil(pool, "a read after a write placed on the standby", PlacedRead::onReplica);
    own.pauseReplay(standby);
    int id = PlacedRead.write(pool);
    placements.clear();
    PlacedRead first = PlacedRead.of(pool, id);
    assertEquals(1, first.count(), "never stale");
    assertFalse(first.onReplica(), "paused: the primary ran it: " + first);
    assertTrue(first.millis() >= replicaWait.toMillis() * 9 / 10, "it waited for the standby first: " + first);
    PlacedRead second = PlacedRead.of(pool, id);
    assertEquals(1, second.count(), "never stale");
    assertFalse(second.onReplica(), "the primary ran it: " + second);
    assertTrue(second.millis() < replicaWait.toMillis() / 2, "no second wait for the same token: " + second);
    assertEquals(List.of("primary/replicas_behind", "primary/fell_back"), placements);
    own.resumeReplay(standby);
    own.awaitCaughtUp(standby, PATIENCE);
    // once the standby has the token, the same unit of work reads there again
    Deadline.await(PATIENCE, "the same token read on the standby after it resumed", () -> {
      try {
        return PlacedRead.of(pool, id).onReplica();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void aStandbyForecastInTimeIsWaitedForAndServesTheRead() throws Exception {
    own.setReplayDelay(standby, Duration.ofMillis(5));
    Duration replicaWait = Duration.ofMillis(200);
    HikariDataSource pool = pool(replicaWait);
    warmUntil(pool, "a read after a write placed on the standby", PlacedRead::onReplica);
    placements.clear();
    for (int page = 0; page < 20; page++) {
      int id = PlacedRead.write(pool);
      PlacedRead read = PlacedRead.of(pool, id);
      assertEquals(1, read.count(), "never stale");
      assertTrue(read.onReplica(), "the standby ran it: " + read + ", " + placements);
      assertEquals(standby.port(), read.port());
      assertTrue(read.millis() < replicaWait.toMillis(), "waited less than replicaWait: " + read);
    }
    assertTrue(placements.contains("replica/after_wait"), "some reads waited for the standby: " + placements);
    assertTrue(placements.stream().allMatch(p -> p.startsWith("replica/")), placements.toString());
  }

  /**
   * A standby 10 ms behind, 20 ms {@code replicaWait}: placement sends no read to the primary without a wait, but for
   * hiccups (at most 5%). Reads that waited in vain are not placement's doing: on a busy machine (the standby shares
   * the test's cores) a standby 10 ms behind sometimes misses 20 ms, with or without forecasts.
   */
  @Test
  void whereTheStandbyKeepsUpReadOnlyWorkStaysOnIt() throws Exception {
    own.setReplayDelay(standby, Duration.ofMillis(10));
    HikariDataSource pool = pool(Duration.ofMillis(20));
    warmUntil(pool, "a read after a write placed on the standby", PlacedRead::onReplica);
    placements.clear();
    int onStandby = 0;
    int rounds = 100;
    for (int page = 0; page < rounds; page++) {
      int id = PlacedRead.write(pool);
      PlacedRead read = PlacedRead.of(pool, id);
      assertEquals(1, read.count(), "never stale");
      onStandby += read.onReplica() ? 1 : 0;
    }
    long withoutWait = placements.stream()
        .filter(p -> p.equals("primary/forecast_behind") || p.equals("primary/fell_back")).count();
    String seen = onStandby + " of " + rounds + " on the standby, " + withoutWait + " on the primary without a wait, "
        + placements.stream().filter(p -> p.equals("primary/replicas_behind")).count() + " after a wait in vain";
    System.out.println("RoutingPlacementIT, standby 10 ms behind, replicaWait 20 ms: " + seen);
    assertTrue(withoutWait <= rounds * 5 / 100, seen);
    assertEquals(rounds, onStandby + placements.stream().filter(p -> p.startsWith("primary/")).count(), seen);
  }
}

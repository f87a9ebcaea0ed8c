package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.Deadline;
import java.sql.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** With {@code recovery_min_apply_delay}, plain reads after writes are stale; through lsnwait none is. */
class DelayedReplayIT extends ClusterTest {

  private static final int ROUNDS = 20;

  @AfterEach
  void noDelay() {
    cluster.setReplayDelay(java.time.Duration.ZERO);
    cluster.awaitReplicaCaughtUp(PATIENCE);
  }

  @Test
  void everyReadAfterAWriteSeesItWhilePlainReadsAreStale() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    HikariDataSource plainPrimary = plainPool(cluster.primary());
    HikariDataSource plainReplica = plainPool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.setReplayDelay(java.time.Duration.ofMillis(150));

    // Wait (with a deadline) until the delay is in force: a plain read right after a write misses it.
    int[] probe = {100_000};
    Deadline.await(PATIENCE, "the replay delay to take effect",
        () -> !plainWriteThenRead(plainPrimary, plainReplica, table, probe[0]++));

    long waitsBefore = tracker.stats().waits();
    int plainStale = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      try (Connection c = primary.getConnection()) {
        ReadYourWritesIT.CommitStyle.AUTO_COMMIT_PREPARED.write(c, table, round);
      }
      try (Connection c = replica.getConnection()) {
        assertEquals(1L, count(c, table, round), "round " + round + ": lsnwait read is not stale");
      }
      if (!plainWriteThenRead(plainPrimary, plainReplica, table, 10_000 + round)) {
        plainStale++;
      }
    }
    assertTrue(plainStale > 0, "the delay makes plain reads stale (" + plainStale + "/" + ROUNDS + ")");
    assertTrue(tracker.stats().waits() > waitsBefore, "lsnwait reads had to wait");
  }

  /** A plain pgjdbc write then read; true if the read saw the write. */
  private static boolean plainWriteThenRead(HikariDataSource primary, HikariDataSource replica, String table, int id) {
    try {
      try (Connection c = primary.getConnection()) {
        ReadYourWritesIT.CommitStyle.AUTO_COMMIT_PREPARED.write(c, table, id);
      }
      try (Connection c = replica.getConnection()) {
        return count(c, table, id) == 1;
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

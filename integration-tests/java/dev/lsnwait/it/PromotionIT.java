package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A replica promoted while readers wait for it: they are released, and nobody waits on it afterwards. */
class PromotionIT extends ClusterTest {

  @Test
  void afterPromotionNobodyWaitsAndNothingHangs() throws Exception {
    try (PgCluster own = PgCluster.start(Duration.ZERO, false)) {
      PgCluster.execute(own.primary(), "CREATE TABLE promoted (id int PRIMARY KEY, note text)");
      own.awaitReplicaCaughtUp(PATIENCE);
      HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "60s"));
      ReplicaTracker tracker = trackerOf(replica);
      LsnToken farFuture = LsnToken.of(own.systemIdentifier(), Lsn.parse("FFFFFFFF/0"));
      ExecutorService threads = Executors.newCachedThreadPool();
      closeLater(threads::shutdownNow);
      Future<Long> waiting = threads.submit(() -> LsnContext.callWith(farFuture, () -> {
        try (Connection c = replica.getConnection()) {
          return count(c, "promoted", 1);
        }
      }));
      awaitWaiters(tracker, 1);
      assertFalse(waiting.isDone());

      PgCluster.execute(own.replica(), "SELECT pg_promote()"); // waits until the promotion is done
      assertEquals(0L, waiting.get(30, TimeUnit.SECONDS), "the waiter was released, without an error");
      assertFalse(tracker.isInRecovery());

      long waits = tracker.stats().waits();
      try (LsnContext.Scope scope = LsnContext.open(farFuture); Connection c = replica.getConnection()) {
        assertEquals(0L, count(c, "promoted", 1));
      }
      assertEquals(waits, tracker.stats().waits(), "no wait at all on a server out of recovery");
    }
  }
}

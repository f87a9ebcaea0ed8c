package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A commit whose position is still unread when its primary goes briefly away. */
class PrimaryRestartIT extends ClusterTest {

  /**
   * Was a confusing error where a read should succeed. A commit's position is read only when a reader needs it
   * ({@code lsnwait.resolveInterval=0}; with the default 1 ms the same happens when the primary goes away within a
   * millisecond of the commit). The primary restarts (a crash, a minor upgrade), back within a second or two; the
   * replica, healthy and already holding the row, is read with a 30 s {@code lsnwait.timeout}. The position read
   * fails once (connection refused) and the read fails at once with {@link PositionUnavailableException}, instead
   * of retrying the position read within the read's own deadline.
   */
  @Test
  void aReplicaReadRetriesItsCommitsPositionWhileThePrimaryRestarts() throws Exception {
    PgCluster own = ownCluster("prestart");
    HikariDataSource primary = pool(own.primary(), Map.of("lsnwait.resolveInterval", "0"));
    HikariDataSource replica = pool(own.replica(), Map.of("lsnwait.timeout", "30s"));
    insert(primary, "prestart", 0); // the position reader has read once: its connection is open
    LsnContext.current();
    LsnContext.clear();
    insert(primary, "prestart", 1); // pending: its position is not read yet
    own.awaitCaughtUp(own.replica(), PATIENCE); // and the replica has it

    own.primary().stop("immediate");
    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<?> restarted = threads.submit(() -> own.primary().start()); // back in a second or two
    long started = System.nanoTime();
    try (Connection c = replica.getConnection()) {
      assertEquals(1L, count(c, "prestart", 1));
    } catch (PositionUnavailableException e) {
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      restarted.get(60, TimeUnit.SECONDS);
      fail("the read failed after " + millis + " ms of its 30 s, while its primary restarted (back within "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms): " + e.getMessage());
    }
    restarted.get(60, TimeUnit.SECONDS);
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30));
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A write's token carried to another thread: explicitly, by a wrapped task, by a wrapped executor. */
class ScopedContextIT extends ClusterTest {

  @Test
  void tokenHandedToAnotherThreadMakesItsReadWait() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    insert(primary, table, 1);
    LsnToken token = LsnContext.current();
    assertFalse(token.isEmpty());

    ExecutorService executor = Executors.newSingleThreadExecutor();
    closeLater(executor::shutdownNow);
    // Without the token the other thread reads at once, and misses the write.
    assertEquals(0L, executor.submit(() -> readCount(replica, table)).get(10, TimeUnit.SECONDS));
    // With it, the read waits for replay.
    Future<Long> withToken = executor.submit(() -> LsnContext.callWith(token, () -> readCount(replica, table)));
    awaitWaiters(tracker, 1);
    assertFalse(withToken.isDone());
    cluster.resumeReplay();
    assertEquals(1L, withToken.get(30, TimeUnit.SECONDS));
  }

  @Test
  void wrappedTaskAndExecutorCarryTheSubmittersContext() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    ReplicaTracker tracker = trackerOf(replica);
    cluster.pauseReplay();
    insert(primary, table, 1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    closeLater(pool::shutdownNow);
    // The write's position is not read yet: it travels unread and is read where it is needed.
    CompletableFuture<Long> viaExecutor =
        CompletableFuture.supplyAsync(() -> unchecked(() -> readCount(replica, table)), LsnContext.wrap(pool));
    Future<Long> viaTask = pool.submit(LsnContext.wrap(() -> readCount(replica, table)));
    awaitWaiters(tracker, 2);
    cluster.resumeReplay();
    assertEquals(1L, viaExecutor.get(30, TimeUnit.SECONDS));
    assertEquals(1L, viaTask.get(30, TimeUnit.SECONDS));
  }

  @Test
  void scopeRestoresThePreviousContext() throws Exception {
    LsnToken outer = LsnToken.of(1, dev.lsnwait.Lsn.of(100));
    LsnToken inner = LsnToken.of(2, dev.lsnwait.Lsn.of(200));
    LsnContext.set(outer);
    try (LsnContext.Scope ignored = LsnContext.open(inner)) {
      assertEquals(inner, LsnContext.current());
    }
    assertEquals(outer, LsnContext.current());
    LsnContext.merge(inner);
    assertEquals(outer.merge(inner), LsnContext.current());
  }

  private static long readCount(HikariDataSource replica, String table) throws Exception {
    try (Connection c = replica.getConnection()) {
      return count(c, table, 1);
    }
  }

  private interface Body<T> {
    T run() throws Exception;
  }

  private static <T> T unchecked(Body<T> body) {
    try {
      return body.run();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

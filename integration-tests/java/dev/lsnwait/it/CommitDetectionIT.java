package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Commits whose SQL hides that they wrote: each must make a token, so that a replica read waits for it. */
class CommitDetectionIT extends ClusterTest {

  @Test
  void aReadOnlyTransactionMadeReadWriteInSqlMakesATokenForItsWrite() throws Exception {
    String table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica());
    cluster.pauseReplay();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      c.setReadOnly(true); // pgjdbc begins the transaction READ ONLY...
      c.setAutoCommit(false);
      s.execute("SET TRANSACTION READ WRITE"); // ...and SQL makes it read-write before anything else runs
      s.execute("INSERT INTO " + table + " VALUES (1, 'x')");
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(false);
    }
    LsnToken token = LsnContext.current();
    assertFalse(token.isEmpty(), "the commit made a token");
    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<Long> read = threads.submit(() -> LsnContext.callWith(token, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, table, 1);
      }
    }));
    awaitWaiters(trackerOf(replica), 1);
    cluster.resumeReplay();
    assertEquals(1L, read.get(30, TimeUnit.SECONDS));
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Passwords from URLs and properties never appear in a log line or an exception message, whatever fails. */
class SecretsIT extends ClusterTest {

  private static final String SECRET = "Zq9-secret-Pa55";

  @Test
  void passwordsNeverShowInLogsOrMessages() throws Exception {
    List<String> seen = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        synchronized (seen) {
          seen.add(String.valueOf(new java.util.logging.SimpleFormatter().format(record)));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger lsnwait = Logger.getLogger("dev.lsnwait");
    Level before = lsnwait.getLevel();
    lsnwait.setLevel(Level.ALL);
    lsnwait.addHandler(capture);
    try {
      provokeFailures(seen);
    } finally {
      lsnwait.removeHandler(capture);
      lsnwait.setLevel(before);
    }
    assertTrue(seen.size() > 3, "failures were provoked and logged: " + seen);
    for (String line : seen) {
      assertFalse(line.contains(SECRET), "a password leaked: " + line);
    }
  }

  private void provokeFailures(List<String> seen) throws Exception {
    String table = newTable();
    // A password in the URL and in the properties (the servers trust loopback, so it is accepted and ignored).
    HikariDataSource primary = pool(cluster.primary(), Map.of("password", SECRET));
    HikariDataSource replica = pool(cluster.replica(), Map.of("password", SECRET, "lsnwait.timeout", "500ms"));
    ReplicaTracker tracker = trackerOf(replica);

    // A settings error, with the password in the URL.
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    properties.setProperty("password", SECRET);
    SQLException invalid = assertThrows(SQLException.class, () ->
        DriverManager.getConnection(cluster.replica().lsnwaitUrl() + "?password=" + SECRET + "&lsnwait.role=x",
            properties));
    record(seen, invalid);

    // A timeout, while the tracker's connection is killed under a waiter (logged by the tracker).
    cluster.pauseReplay();
    insert(primary, table, 1);
    LsnToken token = LsnContext.current();
    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<Long> reader = threads.submit(() -> LsnContext.callWith(token, () -> {
      try (Connection c = replica.getConnection()) {
        return count(c, table, 1);
      }
    }));
    awaitWaiters(tracker, 1);
    PgCluster.execute(cluster.replica(),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lsnwait tracker'");
    Exception timeout = assertThrows(Exception.class, () -> reader.get(30, TimeUnit.SECONDS));
    assertTrue(timeout.getCause() instanceof ReplicationTimeoutException, String.valueOf(timeout.getCause()));
    record(seen, timeout.getCause());

    // The primary's position reader loses its connection: the next read makes a new one.
    PgCluster.execute(cluster.primary(),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lsnwait position'");
    insert(primary, table, 2);
    try {
      LsnContext.current();
    } catch (SQLException e) {
      record(seen, e);
    }
    cluster.resumeReplay();
    Deadline.await(PATIENCE, "the tracker to recover", () -> tracker.stats().waiters() == 0);
    try (Connection c = replica.getConnection()) {
      record(seen, new Exception(c.toString()));
    }
    LsnContext.set(LsnToken.of(cluster.systemIdentifier(), Lsn.ZERO));
  }

  private static void record(List<String> seen, Throwable failure) {
    synchronized (seen) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        seen.add(t.toString());
      }
    }
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgClusterExtension;
import dev.lsnwait.testkit.PgServer;
import dev.lsnwait.testkit.Reads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;

/** The test kit users get: its lag control really lags, it leaves nothing behind, parallel classes do not share. */
@ExtendWith(PgClusterExtension.class)
class TestkitIT {

  @Test
  void pausedReplayReallyLagsAPlainRead(PgCluster cluster) throws Exception {
    PgCluster.execute(cluster.primary(), "CREATE TABLE kit_lag (id int PRIMARY KEY)");
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(30));
    cluster.pauseReplay(); // returns once pg_get_wal_replay_pause_state() says 'paused'
    assertEquals("paused", PgCluster.queryString(cluster.replica(), "SELECT pg_get_wal_replay_pause_state()"));
    PgCluster.execute(cluster.primary(), "INSERT INTO kit_lag VALUES (1)");
    try (Connection replica = cluster.replica().connect()) {
      Reads.assertNotSeen(replica, "SELECT 1 FROM kit_lag WHERE id = ?", 1);
      cluster.resumeReplay();
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(30));
      Reads.assertSeen(replica, "SELECT 1 FROM kit_lag WHERE id = ?", 1);
    }
  }

  @Test
  void theClusterIsTheSameForEveryMethodOfAClass(PgCluster first, PgCluster second) {
    assertEquals(first, second);
  }

  @Test
  void closingLeavesNoProcessAndNoDirectory() throws Exception {
    PgCluster cluster = PgCluster.start(Duration.ZERO, false);
    Path base = cluster.primary().dataDirectory().getParent();
    List<Long> pids = new ArrayList<>();
    for (Path data : List.of(cluster.primary().dataDirectory(), cluster.replica().dataDirectory())) {
      pids.add(Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim()));
    }
    cluster.close();
    for (long pid : pids) {
      assertTrue(PgServer.hasExited(pid), "postgres " + pid + " is gone");
    }
    assertFalse(Files.exists(base), base + " is removed");
  }

  /** What the two classes below saw. */
  static final Map<String, Integer> PORTS = new ConcurrentHashMap<>();
  static volatile CountDownLatch bothRunning = new CountDownLatch(2);
  /** Set while {@link #twoClassesInParallelGetSeparateClusters()} runs them: alone they are skipped. */
  static volatile boolean runByTheKitTest;

  static boolean runByTheKitTest() {
    return runByTheKitTest;
  }

  @Test
  void twoClassesInParallelGetSeparateClusters() {
    PORTS.clear();
    bothRunning = new CountDownLatch(2);
    runByTheKitTest = true;
    try {
      runBothInParallel();
    } finally {
      runByTheKitTest = false;
    }
    assertEquals(2, PORTS.size());
    assertNotEquals(PORTS.get("first"), PORTS.get("second"));
  }

  private static void runBothInParallel() {
    EngineTestKit.engine("junit-jupiter")
        .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
        .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
        .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
        .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
        .selectors(selectClass(First.class), selectClass(Second.class))
        .execute()
        .testEvents()
        .assertStatistics(stats -> stats.succeeded(2).failed(0));
  }

  /** Run only by {@link #twoClassesInParallelGetSeparateClusters()}; skipped when a runner finds it alone. */
  @ExtendWith(PgClusterExtension.class)
  @EnabledIf("dev.lsnwait.it.TestkitIT#runByTheKitTest")
  static class First {
    @Test
    void records(PgCluster cluster) throws Exception {
      PORTS.put("first", cluster.primary().port());
      bothRunning.countDown();
      assertTrue(bothRunning.await(60, TimeUnit.SECONDS), "both clusters run at the same time");
    }
  }

  @ExtendWith(PgClusterExtension.class)
  @EnabledIf("dev.lsnwait.it.TestkitIT#runByTheKitTest")
  static class Second {
    @Test
    void records(PgCluster cluster) throws Exception {
      PORTS.put("second", cluster.primary().port());
      bothRunning.countDown();
      assertTrue(bothRunning.await(60, TimeUnit.SECONDS), "both clusters run at the same time");
    }
  }
}

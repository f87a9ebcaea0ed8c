package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.Latencies;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The routing URL's {@code lsnwait.replicaWait}: threads write a row, then read it back read-only on one routing
 * connection; for several waits and replay delays, where the reads ran and how long they took. The default is chosen
 * from this table.
 */
final class RoutingBench {

  private static final int[] WAITS_MILLIS = {0, 1, 5, 20, 50};
  private static final int[] DELAYS_MILLIS = {0, 20};

  private final PgCluster cluster;
  private final Bench.Options options;

  RoutingBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    WriteBench.createAccounts(cluster);
    System.out.printf("%n== routing: write, then read it back read-only; %d threads, %d s per cell ==%n",
        options.threads, options.seconds);
    System.out.println("  replay delay  replicaWait    reads  on replica   read p50   read p99");
    for (int delay : DELAYS_MILLIS) {
      cluster.setReplayDelay(Duration.ofMillis(delay));
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
      for (int wait : WAITS_MILLIS) {
        String url = cluster.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + cluster.replica().port()
            + "&lsnwait.replicaWait=" + wait + "ms";
        try (HikariDataSource pool = Pools.pool(url, options.threads)) {
          measure(pool, options.seconds / 3.0); // warm-up: catalogs, trackers, forecasts
          Cell cell = measure(pool, options.seconds);
          System.out.printf("  %9d ms  %8d ms  %7d  %9.1f%%  %6.2f ms  %6.2f ms%n", delay, wait, cell.reads,
              100.0 * cell.onReplica / Math.max(1, cell.reads), cell.latencies.percentileMillis(50),
              cell.latencies.percentileMillis(99));
        }
      }
    }
    cluster.setReplayDelay(Duration.ZERO);
  }

  private record Cell(int reads, int onReplica, Latencies latencies) {}

  private Cell measure(HikariDataSource pool, double seconds) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(options.threads);
    try {
      long end = System.nanoTime() + (long) (seconds * 1e9);
      List<Future<Cell>> cells = new ArrayList<>();
      for (int i = 0; i < options.threads; i++) {
        cells.add(threads.submit(() -> loop(pool, end)));
      }
      int reads = 0;
      int onReplica = 0;
      List<Latencies> all = new ArrayList<>();
      for (Future<Cell> cell : cells) {
        reads += cell.get().reads;
        onReplica += cell.get().onReplica;
        all.add(cell.get().latencies);
      }
      return new Cell(reads, onReplica, Latencies.merge(all));
    } finally {
      threads.shutdown();
    }
  }

  private static Cell loop(HikariDataSource pool, long end) throws Exception {
    Latencies latencies = new Latencies();
    int reads = 0;
    int onReplica = 0;
    LsnContext.clear();
    try (Connection connection = pool.getConnection();
        PreparedStatement write = connection.prepareStatement(
            "UPDATE bench_accounts SET balance = balance + 1 WHERE id = ?");
        PreparedStatement read = connection.prepareStatement(
            "SELECT balance, pg_is_in_recovery() FROM bench_accounts WHERE id = ?")) {
      while (System.nanoTime() - end < 0) {
        int id = ThreadLocalRandom.current().nextInt(1, WriteBench.ROWS + 1);
        connection.setReadOnly(false);
        write.setInt(1, id);
        write.executeUpdate();
        connection.setReadOnly(true);
        long start = System.nanoTime();
        read.setInt(1, id);
        try (ResultSet row = read.executeQuery()) {
          row.next();
          onReplica += row.getBoolean(2) ? 1 : 0;
        }
        latencies.add(System.nanoTime() - start);
        reads++;
      }
    } finally {
      LsnContext.clear();
    }
    return new Cell(reads, onReplica, latencies);
  }
}

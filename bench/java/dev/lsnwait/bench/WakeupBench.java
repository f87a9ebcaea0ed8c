package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.testkit.Latencies;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Wake-up latency: with replay delay D, a read right after a write waits about D; how much more than D does it
 * take lsnwait to notice and wake the reader? Goal: p99 of the read's wait at most D + 2 ms.
 */
final class WakeupBench {

  /** PostgreSQL 19: waits in the server for a position nobody waits for (they last the tracker's whole slice). */
  private static final String WAITS_FOR_NOBODY = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
      + " WHERE query LIKE 'WAIT FOR LSN ''FFFFFFFF/FFFFFFFF''%'";

  private final PgCluster cluster;
  private final Bench.Options options;

  WakeupBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    WriteBench.createAccounts(cluster);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    Duration delay = Duration.ofMillis(options.delayMillis);
    cluster.setReplayDelay(delay);
    System.out.printf("%n== wake-up: replay delay %d ms, %d threads writing then reading ==%n",
        options.delayMillis, options.threads);
    List<Variant> variants = Variant.all(options);
    Map<String, List<Double>> p50s = new LinkedHashMap<>();
    Map<String, List<Double>> p99s = new LinkedHashMap<>();
    Map<String, List<Double>> pollsPerRead = new LinkedHashMap<>();
    List<Double> runnableP99s = new ArrayList<>();
    List<HikariDataSource[]> pools = new ArrayList<>();
    try (HeardWaits listening = new HeardWaits();
        HikariDataSource plainPrimary = Pools.pool(cluster.primary().jdbcUrl(), options.threads);
        HikariDataSource plainReplica = Pools.pool(cluster.replica().jdbcUrl(), options.threads)) {
      for (Variant variant : variants) {
        pools.add(new HikariDataSource[] {variant.pool(cluster.primary().lsnwaitUrl(), options.threads),
            variant.pool(cluster.replica().lsnwaitUrl(), options.threads)});
      }
      Latencies ideal = measureIdeal(plainPrimary, plainReplica);
      System.out.printf(Locale.ROOT,
          "    ideal (a reader spinning on pg_last_wal_replay_lsn(), no interval): p50 %.2f ms, p99 %.2f ms%n",
          ideal.percentileMillis(50), ideal.percentileMillis(99));
      for (int v = 0; v < variants.size(); v++) {
        measure(variants.get(v), pools.get(v)[0], pools.get(v)[1], 1, 0); // warm-up: JIT, connections, forecasts
      }
      for (int rep = 1; rep <= options.reps; rep++) {
        for (int v = 0; v < variants.size(); v++) {
          int which = (v + rep) % variants.size();
          Variant variant = variants.get(which);
          long polls = PgCluster.queryLong(cluster.replica(), SteadyLag.POLLS_ON_REPLICA);
          long forNobody = PgCluster.queryLong(cluster.replica(), WAITS_FOR_NOBODY);
          Latencies[] measured = measure(variant, pools.get(which)[0], pools.get(which)[1], options.seconds,
              options.pairs);
          Latencies waits = measured[0];
          if (which == 0) { // the listener hears this build only
            runnableP99s.add(measured[1].percentileMillis(99));
          }
          double perRead = (PgCluster.queryLong(cluster.replica(), SteadyLag.POLLS_ON_REPLICA) - polls)
              / (double) waits.size();
          forNobody = PgCluster.queryLong(cluster.replica(), WAITS_FOR_NOBODY) - forNobody;
          p50s.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(waits.percentileMillis(50));
          p99s.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(waits.percentileMillis(99));
          pollsPerRead.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(perRead);
          System.out.printf(Locale.ROOT,
              "    rep %d %-10s %d reads, wait p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.1f replica queries/read, %d"
                  + " WAIT FOR LSN for nobody%s%n",
              rep, variant.name(), waits.size(), waits.percentileMillis(50), waits.percentileMillis(99),
              waits.percentileMillis(100), perRead, forNobody, which == 0 ? String.format(Locale.ROOT,
                  "; until the read could run: p99 %.2f ms", measured[1].percentileMillis(99)) : "");
        }
      }
      for (String name : p50s.keySet()) {
        double p99 = Throughput.median(p99s.get(name));
        System.out.printf(Locale.ROOT,
            "  %-10s median over reps: wait p50 %.2f ms, p99 %.2f ms (D + %.2f ms; goal D + 2 ms); %.1f replica"
                + " queries per read (goal 3)%n",
            name, Throughput.median(p50s.get(name)), p99, p99 - options.delayMillis,
            Throughput.median(pollsPerRead.get(name)));
      }
      double runnable = Throughput.median(runnableP99s);
      System.out.printf(Locale.ROOT, "  %-10s median over reps: from the commit until the read could run (its wait"
          + " ended), p99 %.2f ms (D + %.2f ms)%n", variants.get(0).name(), runnable, runnable - options.delayMillis);
    } finally {
      for (HikariDataSource[] pair : pools) {
        pair[0].close();
        pair[1].close();
      }
      cluster.setReplayDelay(Duration.ZERO);
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    }
  }

  /**
   * The best any client could do: after each write, read the primary's position (not timed), then spin on the
   * replica's replay position with no pause, and time from the commit's return until the replica shows it.
   */
  private Latencies measureIdeal(HikariDataSource primary, HikariDataSource replica) throws Exception {
    Latencies waits = new Latencies();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds);
    try (Connection writer = primary.getConnection();
        Connection reader = replica.getConnection();
        PreparedStatement update = writer.prepareStatement(
            "UPDATE bench_accounts SET balance = balance + 1 WHERE id = 1");
        PreparedStatement position = writer.prepareStatement("SELECT pg_current_wal_insert_lsn()::text");
        PreparedStatement replayed = reader.prepareStatement("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")) {
      while (System.nanoTime() < end) {
        update.executeUpdate();
        long committed = System.nanoTime();
        String lsn;
        try (ResultSet row = position.executeQuery()) {
          row.next();
          lsn = dev.lsnwait.Lsn.parse(row.getString(1)).normalize(8192, 16 << 20).toString();
        }
        replayed.setString(1, lsn);
        boolean seen = false;
        while (!seen) {
          try (ResultSet row = replayed.executeQuery()) {
            row.next();
            seen = row.getBoolean(1);
          }
        }
        waits.add(System.nanoTime() - committed);
      }
    }
    return Latencies.merge(List.of(waits));
  }

  /**
   * Each thread writes then reads for {@code seconds}, or {@code pairs} times if positive. The reads' times from the
   * commit's return (to the row read), and, for this build, until the read could run (its wait ended, as the listener
   * heard; the read's own execution excluded).
   */
  private Latencies[] measure(Variant variant, HikariDataSource primary, HikariDataSource replica, int seconds,
      int pairs) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(options.threads);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<Latencies[]>> parts = new ArrayList<>();
    for (int t = 0; t < options.threads; t++) {
      int id = t + 1;
      parts.add(pool.submit(() -> {
        Latencies waits = new Latencies();
        Latencies untilRunnable = new Latencies();
        variant.clearContext();
        try (Connection writer = primary.getConnection();
            Connection reader = replica.getConnection();
            PreparedStatement update = writer.prepareStatement(
                "UPDATE bench_accounts SET balance = balance + 1 WHERE id = ?");
            PreparedStatement read = reader.prepareStatement("SELECT balance FROM bench_accounts WHERE id = ?")) {
          update.setInt(1, id);
          read.setInt(1, id);
          for (int pair = 0; pairs > 0 ? pair < pairs : System.nanoTime() < end; pair++) {
            update.executeUpdate();
            long start = System.nanoTime();
            HeardWaits.reset();
            try (ResultSet row = read.executeQuery()) {
              row.next();
            }
            long done = System.nanoTime();
            waits.add(done - start);
            // Until the read could run: when its wait ended, as this build's listener heard (else the read's end).
            untilRunnable.add((HeardWaits.endedAt() != 0 ? HeardWaits.endedAt() : done) - start);
          }
        }
        return new Latencies[] {waits, untilRunnable};
      }));
    }
    List<Latencies> all = new ArrayList<>();
    List<Latencies> runnable = new ArrayList<>();
    for (Future<Latencies[]> part : parts) {
      Latencies[] both = part.get();
      all.add(both[0]);
      runnable.add(both[1]);
    }
    pool.shutdown();
    return new Latencies[] {Latencies.merge(all), Latencies.merge(runnable)};
  }
}

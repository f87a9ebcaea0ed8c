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
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * How exact a commit's token is: a read that comes 60 ms after its write, with a replay delay of D and a background
 * writer keeping WAL moving, should not wait (its commit was replayed 40 ms ago). A token read when the read comes
 * covers everyone's later writes and waits the whole lag. Each late read through lsnwait is followed by the same read
 * through plain pgjdbc: what lsnwait adds is the difference. For this build, the wait itself is also timed (a
 * listener hears it; a read that finds its position known waits 0). Also: the load the position reads put on the
 * primary.
 */
final class ExactTokenBench {

  private static final String POSITION_READS = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
      + " WHERE query = 'SELECT pg_current_wal_insert_lsn()::text'";
  private static final int GAP_MILLIS = 60;
  /** Readers: mostly asleep, enough for a p99 that is not the second-worst read. */
  private static final int READERS = 8;

  private final PgCluster cluster;
  private final Bench.Options options;
  private static final LongAdder WAITING_READS = new LongAdder();

  ExactTokenBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    System.out.printf("%n== exact tokens: reads %d ms after their own write, replay delay %d ms, others writing,"
        + " %d readers ==%n", GAP_MILLIS, options.delayMillis, READERS);
    List<Variant> variants = Variant.all(options);
    Map<String, List<double[]>> results = new LinkedHashMap<>();
    try (HeardWaits listening = new HeardWaits();
        SteadyLag lag = new SteadyLag(cluster, Duration.ofMillis(options.delayMillis), 1000);
        HikariDataSource plainReplica = Pools.pool(cluster.replica().jdbcUrl(), READERS)) {
      List<HikariDataSource[]> pools = new ArrayList<>();
      for (Variant variant : variants) {
        pools.add(new HikariDataSource[] {variant.pool(cluster.primary().lsnwaitUrl(), READERS),
            variant.pool(cluster.replica().lsnwaitUrl(), READERS)});
        int last = pools.size() - 1;
        lateReads(variant, pools.get(last)[0], pools.get(last)[1], plainReplica, 1); // warm-up
      }
      for (int rep = 0; rep < options.reps; rep++) {
        for (int v = 0; v < variants.size(); v++) {
          int which = (v + rep) % variants.size();
          Variant variant = variants.get(which);
          WAITING_READS.reset();
          long positionReads = PgCluster.queryLong(cluster.primary(), POSITION_READS);
          long polls = lag.pollsOnReplica();
          long start = System.nanoTime();
          Latencies[] waits =
              lateReads(variant, pools.get(which)[0], pools.get(which)[1], plainReplica, options.seconds);
          double elapsed = (System.nanoTime() - start) / 1e9;
          double perSecond = (PgCluster.queryLong(cluster.primary(), POSITION_READS) - positionReads) / elapsed;
          double pollsPerSecond = (lag.pollsOnReplica() - polls) / elapsed;
          boolean heard = which == 0; // the listener hears this build only
          double[] result = {waits[0].percentileMillis(50), waits[0].percentileMillis(99),
              waits[1].percentileMillis(50), waits[1].percentileMillis(99), perSecond,
              heard ? waits[2].percentileMillis(99) : Double.NaN,
              heard ? WAITING_READS.sumThenReset() / (double) waits[0].size() : Double.NaN, pollsPerSecond};
          results.computeIfAbsent(variant.name(), k -> new ArrayList<>()).add(result);
          System.out.printf(Locale.ROOT, "    rep %d %-10s %4d reads: p50 %6.2f ms, p99 %6.2f ms (plain pgjdbc p50"
              + " %5.2f ms, p99 %5.2f ms); wait p99 %5.2f ms, %5.1f%% waited; %4.0f position reads/s on the"
              + " primary, %4.0f polls/s on the replica%n", rep + 1, variant.name(), waits[0].size(), result[0],
              result[1], result[2], result[3], result[5], 100 * result[6], perSecond, pollsPerSecond);
        }
      }
      for (HikariDataSource[] pair : pools) {
        pair[0].close();
        pair[1].close();
      }
    }
    for (Map.Entry<String, List<double[]>> entry : results.entrySet()) {
      List<double[]> reps = entry.getValue();
      System.out.printf(Locale.ROOT, "  %-10s median: read p50 %.2f ms, p99 %.2f ms; added to the plain read: p50"
          + " %.2f ms, p99 %.2f ms; the wait itself: p99 %.2f ms (goal: within 1 ms), %.1f%% of reads waited;"
          + " %.0f position reads/s on the primary, %.0f polls/s on the replica%n",
          entry.getKey(), median(reps, r -> r[0]), median(reps, r -> r[1]), median(reps, r -> r[0] - r[2]),
          median(reps, r -> r[1] - r[3]), median(reps, r -> r[5]), 100 * median(reps, r -> r[6]),
          median(reps, r -> r[4]), median(reps, r -> r[7]));
    }
  }

  private static double median(List<double[]> reps, ToDoubleFunction<double[]> value) {
    List<Double> values = new ArrayList<>();
    for (double[] rep : reps) {
      values.add(value.applyAsDouble(rep));
    }
    return Throughput.median(values);
  }

  /**
   * Readers that write, wait 60 ms, then read their row back from the replica through lsnwait, then through plain
   * pgjdbc, for {@code seconds}: the two reads' times, and the time the first spent waiting (this build only).
   */
  private Latencies[] lateReads(Variant variant, HikariDataSource primary, HikariDataSource replica,
      HikariDataSource plainReplica, int seconds) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(READERS);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<Latencies[]>> parts = new ArrayList<>();
    for (int t = 0; t < READERS; t++) {
      int id = t + 1;
      parts.add(threads.submit(() -> {
        Latencies waits = new Latencies();
        Latencies plain = new Latencies();
        Latencies waited = new Latencies();
        while (System.nanoTime() < end) {
          variant.clearContext();
          try (Connection c = primary.getConnection();
              PreparedStatement update = c.prepareStatement(
                  "UPDATE bench_accounts SET balance = balance + 1 WHERE id = ?")) {
            update.setInt(1, id);
            update.executeUpdate();
          }
          Thread.sleep(GAP_MILLIS);
          HeardWaits.reset();
          waits.add(timedRead(replica, id));
          waited.add(HeardWaits.waited());
          if (HeardWaits.waited() > 0) {
            WAITING_READS.increment();
          }
          plain.add(timedRead(plainReplica, id));
        }
        variant.clearContext();
        return new Latencies[] {waits, plain, waited};
      }));
    }
    List<Latencies> waits = new ArrayList<>();
    List<Latencies> plain = new ArrayList<>();
    List<Latencies> waited = new ArrayList<>();
    for (Future<Latencies[]> part : parts) {
      Latencies[] three = part.get();
      waits.add(three[0]);
      plain.add(three[1]);
      waited.add(three[2]);
    }
    threads.shutdown();
    return new Latencies[] {Latencies.merge(waits), Latencies.merge(plain), Latencies.merge(waited)};
  }

  /** Borrow, prepare, read one row, close: nanoseconds. */
  private static long timedRead(HikariDataSource replica, int id) throws Exception {
    long start = System.nanoTime();
    try (Connection c = replica.getConnection();
        PreparedStatement read = c.prepareStatement("SELECT balance FROM bench_accounts WHERE id = ?")) {
      read.setInt(1, id);
      try (ResultSet row = read.executeQuery()) {
        row.next();
      }
    }
    return System.nanoTime() - start;
  }
}

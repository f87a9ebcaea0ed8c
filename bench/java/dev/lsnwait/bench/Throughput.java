package dev.lsnwait.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs named variants for several repetitions, in rotating order or side by side, and reports median operations per
 * second.
 */
final class Throughput {

  /** One thread's work: set up once, then {@link #once()} as often as time allows. */
  interface Worker extends AutoCloseable {
    void once() throws Exception;

    @Override
    default void close() throws Exception {}
  }

  /** Makes one worker per thread. */
  interface WorkerFactory {
    Worker create() throws Exception;
  }

  private final Map<String, WorkerFactory> variants = new LinkedHashMap<>();
  private final Map<String, List<Double>> results = new LinkedHashMap<>();
  private final Map<String, List<Double>> cpu = new LinkedHashMap<>();

  /** A variant's figures: median rate, median of its per-repetition ratios to the first variant, client CPU. */
  record Figures(double rate, double ratio, double cpuMicrosPerOp) {}

  Throughput variant(String name, WorkerFactory factory) {
    variants.put(name, factory);
    results.put(name, new ArrayList<>());
    cpu.put(name, new ArrayList<>());
    return this;
  }

  /**
   * Measures every variant {@code reps} times after one untimed round, rotating the order so none always runs
   * first. Ratios are taken within each repetition (paired), which cancels most of the machine's drift.
   */
  Map<String, Figures> run(int reps, int seconds, int threads) throws Exception {
    for (String name : variants.keySet()) {
      measure(variants.get(name), seconds, threads); // warm-up: JIT, caches, connections
    }
    medians(reps, seconds, threads);
    return figures(reps);
  }

  /** Each variant's medians, and the median of its per-repetition ratios to the first variant. */
  private Map<String, Figures> figures(int reps) {
    String baseline = variants.keySet().iterator().next();
    List<Double> base = results.get(baseline);
    Map<String, Figures> figures = new LinkedHashMap<>();
    for (String name : variants.keySet()) {
      List<Double> ratios = new ArrayList<>();
      for (int rep = 0; rep < reps; rep++) {
        ratios.add(results.get(name).get(rep) / base.get(rep));
      }
      figures.put(name, new Figures(median(results.get(name)), median(ratios), median(cpu.get(name))));
    }
    return figures;
  }

  /** Prints the figures as a table. */
  static void print(String unit, Map<String, Figures> figures) {
    System.out.printf(Locale.ROOT, "    %-30s %12s %10s %16s%n", "", unit, "ratio", "client CPU/op");
    figures.forEach((name, f) -> System.out.printf(Locale.ROOT, "    %-30s %12.0f %9.3fx %13.1f us%n",
        name, f.rate(), f.ratio(), f.cpuMicrosPerOp()));
  }

  private void medians(int reps, int seconds, int threads) throws Exception {
    List<String> names = new ArrayList<>(variants.keySet());
    for (int rep = 0; rep < reps; rep++) {
      for (int i = 0; i < names.size(); i++) {
        String name = names.get((rep + i) % names.size());
        double[] measured = measure(variants.get(name), seconds, threads);
        results.get(name).add(measured[0]);
        cpu.get(name).add(measured[1]);
        System.out.printf(Locale.ROOT, "    rep %d %-30s %10.0f ops/s %8.1f us CPU/op%n",
            rep + 1, name, measured[0], measured[1]);
      }
    }
  }

  /** Operations per second, and client CPU microseconds per operation. */
  private static double[] measure(WorkerFactory factory, int seconds, int threads) throws Exception {
    return measureTogether(List.of(factory), seconds, threads).get(0);
  }

  /**
   * Runs every variant at the same time, {@code threads} threads each, in the same window: whatever the machine does
   * meanwhile (a checkpoint, autovacuum, another process) slows them alike, so their ratio is steadier than that of
   * variants run one after the other.
   */
  Map<String, Figures> runSideBySide(int reps, int seconds, int threads) throws Exception {
    List<String> names = new ArrayList<>(variants.keySet());
    List<WorkerFactory> factories = new ArrayList<>(variants.values());
    measureTogether(factories, seconds, threads); // warm-up
    for (int rep = 0; rep < reps; rep++) {
      List<double[]> measured = measureTogether(factories, seconds, threads);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "    rep %d", rep + 1));
      for (int i = 0; i < names.size(); i++) {
        results.get(names.get(i)).add(measured.get(i)[0]);
        cpu.get(names.get(i)).add(measured.get(i)[1]);
        line.append(String.format(Locale.ROOT, "  %s %.0f ops/s %.1f us CPU/op", names.get(i), measured.get(i)[0],
            measured.get(i)[1]));
      }
      System.out.println(line);
    }
    return figures(reps);
  }

  private static List<double[]> measureTogether(List<WorkerFactory> factories, int seconds, int threads)
      throws Exception {
    java.lang.management.ThreadMXBean clock = java.lang.management.ManagementFactory.getThreadMXBean();
    ExecutorService pool = Executors.newFixedThreadPool(threads * factories.size());
    try {
      long warmEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
      long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
      List<List<Future<long[]>>> counts = new ArrayList<>();
      for (WorkerFactory factory : factories) {
        List<Future<long[]>> mine = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          mine.add(pool.submit(() -> {
            try (Worker worker = factory.create()) {
              while (System.nanoTime() < warmEnd) {
                worker.once();
              }
              long cpuStart = clock.getCurrentThreadCpuTime();
              long ops = 0;
              while (System.nanoTime() < end) {
                worker.once();
                ops++;
              }
              return new long[] {ops, clock.getCurrentThreadCpuTime() - cpuStart};
            }
          }));
        }
        counts.add(mine);
      }
      List<double[]> results = new ArrayList<>();
      for (List<Future<long[]>> mine : counts) {
        long total = 0;
        long cpuNanos = 0;
        for (Future<long[]> count : mine) {
          long[] result = count.get();
          total += result[0];
          cpuNanos += result[1];
        }
        results.add(new double[] {total / (double) seconds, total == 0 ? 0 : cpuNanos / 1000.0 / total});
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}

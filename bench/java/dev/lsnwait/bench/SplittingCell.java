package dev.lsnwait.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One variant's repetition in {@link SplittingBench}: reads, stale reads, latency, and the client's CPU (the JIT
 * compiler's threads and lsnwait's own counted apart, {@link ThreadCpu}).
 */
record SplittingCell(double seconds, long reads, long stale, long onReplica, double p50, double p99,
    long cpuNanos, long compilerNanos, long lsnwaitNanos) {
  double readsPerSecond() {
    return reads / seconds;
  }

  /** Client CPU per read, in microseconds (the writes' share included, as in a real service). */
  double cpuMicrosPerRead() {
    return cpuNanos / 1e3 / Math.max(1, reads);
  }

  /** As {@link #cpuMicrosPerRead}, without the JIT compiler's threads ({@link ThreadCpu}). */
  double cpuMicrosPerReadWithoutJit() {
    return (cpuNanos - compilerNanos) / 1e3 / Math.max(1, reads);
  }

  /** The part of {@link #cpuMicrosPerRead} that lsnwait's own threads used (position reader, trackers). */
  double lsnwaitMicrosPerRead() {
    return lsnwaitNanos / 1e3 / Math.max(1, reads);
  }

  double replicaPercent() {
    return 100.0 * onReplica / Math.max(1, reads);
  }

  double primaryReadsPerSecond() {
    return (reads - onReplica) / seconds;
  }

  /**
   * The medians of each variant's repetitions; "x plain", "x CPU", "w/o JIT" and "lsnwait" (its own threads' part of
   * "x CPU") are medians of per-repetition ratios to the first variant's cell of the same repetition.
   */
  static void printMedians(List<String> variants, Map<String, List<SplittingCell>> cells) {
    System.out.println("  medians over repetitions (x plain: medians of the ratios to plain splitting in the same"
        + " repetition):");
    System.out.printf("    %-40s %8s %6s %9s %9s %8s %10s %8s %7s %7s %7s %7s%n", "variant", "reads/s", "stale", "p50",
        "p99", "replica", "primary/s", "us/read", "x plain", "x CPU", "w/o JIT", "lsnwait");
    List<SplittingCell> plain = cells.get(variants.get(0));
    for (String variant : variants) {
      List<SplittingCell> mine = cells.get(variant);
      double[] rate = new double[mine.size()]; // paired with plain splitting's cell of the same repetition
      double[] cpu = new double[mine.size()];
      double[] cpuWithoutJit = new double[mine.size()];
      double[] ownThreads = new double[mine.size()];
      for (int rep = 0; rep < mine.size(); rep++) {
        SplittingCell cell = mine.get(rep);
        SplittingCell base = plain.get(rep);
        rate[rep] = cell.readsPerSecond() / base.readsPerSecond();
        cpu[rep] = cell.cpuMicrosPerRead() / base.cpuMicrosPerRead();
        cpuWithoutJit[rep] = cell.cpuMicrosPerReadWithoutJit() / base.cpuMicrosPerReadWithoutJit();
        ownThreads[rep] = cell.lsnwaitMicrosPerRead() / base.cpuMicrosPerRead();
      }
      System.out.printf("    %-40s %8.0f %6.0f %6.2f ms %6.2f ms %7.1f%% %10.0f %8.1f %7.2f %7.2f %7.2f %7.2f%n",
          variant, median(mine, SplittingCell::readsPerSecond), median(mine, SplittingCell::stale),
          median(mine, SplittingCell::p50), median(mine, SplittingCell::p99),
          median(mine, SplittingCell::replicaPercent), median(mine, SplittingCell::primaryReadsPerSecond),
          median(mine, SplittingCell::cpuMicrosPerRead),
          median(rate), median(cpu), median(cpuWithoutJit), median(ownThreads));
    }
  }

  private static double median(List<SplittingCell> cells, ToDoubleFunction<SplittingCell> value) {
    return median(cells.stream().mapToDouble(value).toArray());
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  @Override
  public String toString() {
    return String.format("%7.0f reads/s, %d stale, p50 %.2f ms, p99 %.2f ms, %.1f%% on the replica, CPU %.1f us"
        + "/read (%.1f without the JIT, %.1f in lsnwait's threads)", readsPerSecond(), stale, p50, p99,
        replicaPercent(), cpuMicrosPerRead(), cpuMicrosPerReadWithoutJit(), lsnwaitMicrosPerRead());
  }
}

package dev.lsnwait.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One window of one variant of the web benchmark ({@link WebBench}): its figures. */
record WebWindow(double seconds, long flows, long stale, long failed, double p50, double p99, double postP50,
    long cpuNanos, long compilerNanos, long lsnwaitNanos, double primaryCpuSeconds, long positionReads,
    long replicaPolls, Map<String, Long> routed) {

  double flowsPerSecond() {
    return flows / seconds;
  }

  /** The bench JVM's CPU (browsers, Tomcat, Spring, Hibernate, drivers, GC) per HTTP request: two per flow. */
  double cpuMicrosPerRequest() {
    return cpuNanos / 1000.0 / Math.max(1, 2 * (flows + failed));
  }

  /** As {@link #cpuMicrosPerRequest()}, without the JIT compiler's threads ({@link ThreadCpu}). */
  double cpuWithoutJitPerRequest() {
    return (cpuNanos - compilerNanos) / 1000.0 / Math.max(1, 2 * (flows + failed));
  }

  /** The part of {@link #cpuMicrosPerRequest()} lsnwait's own threads used (position reader, trackers, catalog). */
  double lsnwaitMicrosPerRequest() {
    return lsnwaitNanos / 1000.0 / Math.max(1, 2 * (flows + failed));
  }

  /** The primary server's CPU (all its processes) per flow. */
  double primaryCpuMicrosPerFlow() {
    return primaryCpuSeconds * 1e6 / Math.max(1, flows + failed);
  }

  /** Queries per flow. */
  double perFlow(long queries) {
    return queries / (double) Math.max(1, flows + failed);
  }

  @Override
  public String toString() {
    long[] placed = RoutedWork.placed(routed);
    return String.format(Locale.ROOT, "%4.0f flows/s, page p50 %5.2f ms, p99 %6.2f ms, POST p50 %5.2f ms,"
        + " %4.0f us CPU/request (%4.0f w/o JIT, %3.0f lsnwait's threads), per flow %4.0f us primary CPU"
        + " %.2f position reads %.2f polls, %d stale,"
        + " %d failed%s", flowsPerSecond(), p50, p99, postP50, cpuMicrosPerRequest(), cpuWithoutJitPerRequest(),
        lsnwaitMicrosPerRequest(), primaryCpuMicrosPerFlow(),
        perFlow(positionReads), perFlow(replicaPolls), stale, failed, placed[0] == 0 ? "" : String.format(Locale.ROOT,
            ", %.1f%% on the replica %s", 100.0 * placed[1] / placed[0], routed));
  }

  /** Medians over repetitions, one table for all lags; page p50 also as the median of paired ratios. */
  static void print(Map<Integer, Map<String, List<WebWindow>>> cells, String baseline, int reps) {
    System.out.printf("  medians of %d repetitions (stale pages and placements: totals)%n%n", reps);
    System.out.println("| lag | variant | page p50 | vs primary only | page p99 | POST p50 | flows/s | CPU/request"
        + " | w/o JIT | lsnwait's threads | primary CPU/flow | position reads + replica polls per flow | stale pages"
        + " | read-only work on the replica |");
    System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    Map<String, String> placements = new LinkedHashMap<>();
    cells.forEach((lag, byVariant) -> byVariant.forEach((name, mine) -> {
      List<WebWindow> base = byVariant.get(baseline);
      List<Double> ratios = new ArrayList<>();
      for (int rep = 0; rep < mine.size(); rep++) {
        ratios.add(mine.get(rep).p50() / base.get(rep).p50());
      }
      long pages = mine.stream().mapToLong(WebWindow::flows).sum();
      long stale = mine.stream().mapToLong(WebWindow::stale).sum();
      Map<String, Long> routed = new TreeMap<>();
      mine.forEach(cell -> cell.routed().forEach((key, count) -> routed.merge(key, count, Long::sum)));
      long[] placed = RoutedWork.placed(routed);
      if (placed[0] > 0) {
        placements.put(lag + " ms, " + name, routed.toString());
      }
      System.out.printf(Locale.ROOT, "| %d ms | %s | %.2f ms | %.2fx | %.2f ms | %.2f ms | %.0f | %.0f us"
          + " | %.0f us | %.0f us | %.0f us | %.2f + %.2f | %d of %d | %s |%n", lag, name, median(mine, WebWindow::p50),
          Throughput.median(ratios), median(mine, WebWindow::p99), median(mine, WebWindow::postP50),
          median(mine, WebWindow::flowsPerSecond), median(mine, WebWindow::cpuMicrosPerRequest),
          median(mine, WebWindow::cpuWithoutJitPerRequest), median(mine, WebWindow::lsnwaitMicrosPerRequest),
          median(mine, WebWindow::primaryCpuMicrosPerFlow), median(mine, c -> c.perFlow(c.positionReads())),
          median(mine, c -> c.perFlow(c.replicaPolls())), stale, pages,
          placed[0] == 0 ? "" : String.format(Locale.ROOT, "%.1f%%", 100.0 * placed[1] / placed[0]));
    }));
    System.out.println();
    placements.forEach((cell, routed) -> System.out.printf("  placements, %s: %s%n", cell, routed));
  }

  private static double median(List<WebWindow> cells, java.util.function.ToDoubleFunction<WebWindow> value) {
    List<Double> values = new ArrayList<>();
    cells.forEach(cell -> values.add(value.applyAsDouble(cell)));
    return Throughput.median(values);
  }
}

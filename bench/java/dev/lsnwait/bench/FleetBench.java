package dev.lsnwait.bench;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import dev.lsnwait.testkit.PgCluster;

/**
 * Poll load on a replica under a steady lag: application instances (each lsnwait in a class loader of its own, with
 * its own tracker) keep readers waiting for the primary's latest positions; how many queries per second and how much
 * CPU does the replica spend on them? One instance with 1,000 waiters, then a fleet of 100 instances; this build
 * beside a baseline build ({@code --baseline}), alternating.
 */
final class FleetBench {

  private final PgCluster cluster;
  private final Bench.Options options;

  FleetBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    System.out.printf("%n== poll load under a steady lag of %d ms (replica queries and CPU) ==%n",
        options.delayMillis);
    List<String> names = new ArrayList<>(List.of("this build"));
    List<Path> builds = new ArrayList<>(List.of(Isolated.thisBuild()));
    if (options.baseline != null) {
      names.add(0, "baseline");
      builds.add(0, Paths.get(options.baseline));
    }
    try (SteadyLag lag = new SteadyLag(cluster, Duration.ofMillis(options.delayMillis), 1000)) {
      for (int[] shape : new int[][] {{1, 1000}, {options.instances, 10}}) {
        System.out.printf("  %d instance(s) x %d waiters each:%n", shape[0], shape[1]);
        for (int rep = 0; rep < options.reps; rep++) {
          for (int v = 0; v < builds.size(); v++) {
            int which = (v + rep) % builds.size();
            double[] load = measure(lag, builds.get(which), shape[0], shape[1]);
            System.out.printf(Locale.ROOT,
                "    rep %d %-10s %8.0f queries/s on the replica, %5.1f%% of a core, %7.0f waits done/s%n",
                rep + 1, names.get(which), load[0], load[1] * 100, load[2]);
          }
        }
      }
    }
  }

  /** Queries/s on the replica, its CPU (cores), and completed waits/s, over the measurement window. */
  private double[] measure(SteadyLag lag, Path build, int instances, int waitersEach) throws Exception {
    String url = cluster.replica().lsnwaitUrl() + "?lsnwait.idleTimeout=1s";
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    ExecutorService again = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < instances; i++) {
        Isolated instance = new Isolated(build);
        Object tracker = instance.tracker(url);
        for (int w = 0; w < waitersEach; w++) {
          keepWaiting(instance, tracker, lag, stop, done, again);
        }
      }
      Thread.sleep(1000); // settle (a measurement window, not a wait for a result)
      long queries = lag.pollsOnReplica();
      double cpu = lag.replicaCpuSeconds();
      long completed = done.get();
      long start = System.nanoTime();
      Thread.sleep(options.seconds * 1000L);
      double seconds = (System.nanoTime() - start) / 1e9;
      return new double[] {(lag.pollsOnReplica() - queries) / seconds, (lag.replicaCpuSeconds() - cpu) / seconds,
          (done.get() - completed) / seconds};
    } finally {
      stop.set(true);
      again.shutdownNow();
      Thread.sleep(2000); // the trackers' idle timeout, so their connections close before the next round
      // Each class loader goes with the last of its threads: closing it sooner fails a thread still ending.
    }
  }

  /** A reader that, each time its wait ends, waits again for the primary's latest position. */
  private static void keepWaiting(Isolated instance, Object tracker, SteadyLag lag, AtomicBoolean stop,
      AtomicLong done, ExecutorService again) {
    if (stop.get()) {
      return;
    }
    CompletableFuture<?> wait = instance.whenReplayed(tracker, lag.latest());
    wait.whenCompleteAsync((position, failure) -> {
      done.incrementAndGet();
      keepWaiting(instance, tracker, lag, stop, done, again);
    }, again);
  }
}

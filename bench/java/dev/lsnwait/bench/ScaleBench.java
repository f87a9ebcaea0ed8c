package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgCluster;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Tracker scale: many concurrent waiters on one replica. How long after replay resumes until all are woken; how
 * many poll queries the replica receives per second as waiters grow (counted on the server, by
 * pg_stat_statements); memory per waiter.
 */
final class ScaleBench {

  private static final String POLL_CALLS =
      "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '%pg_last_wal_replay_lsn()::text%'";

  private final PgCluster cluster;
  private final Bench.Options options;
  private ReplicaTracker tracker;

  ScaleBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    WriteBench.createAccounts(cluster);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    System.out.printf("%n== tracker scale ==%n");
    try (HikariDataSource primary = Pools.pool(cluster.primary().lsnwaitUrl(), 1);
        HikariDataSource replica = Pools.pool(cluster.replica().lsnwaitUrl(), 1)) {
      try (Connection c = replica.getConnection()) {
        tracker = c.unwrap(LsnWaitConnection.class).replicaTracker().orElseThrow();
      }
      System.out.println("  poll queries on the replica per second while N waiters wait (pg_stat_statements):");
      for (int n : new int[] {0, 1, 100, 1_000, options.waiters}) {
        System.out.printf(Locale.ROOT, "    %6d waiters: %6.0f polls/s%n", n, pollsPerSecond(primary, n));
      }
      System.out.println("  wake-up of N waiters after replay resumes (median of " + options.reps + "):");
      wakeAll(primary, "futures (whenReplayed)", this::futureWaiters);
      wakeAll(primary, "platform threads (await)", threadWaiters(false));
      if (START_VIRTUAL != null) {
        wakeAll(primary, "virtual threads (await)", threadWaiters(true));
      } else {
        System.out.println("    virtual threads: need JDK 21+, skipped");
      }
      memoryPerWaiter(primary);
    }
  }

  private Lsn writeWhilePaused(HikariDataSource primary) throws Exception {
    LsnContext.clear();
    try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE bench_accounts SET balance = balance + 1 WHERE id = 1");
    }
    Lsn lsn = LsnContext.current().lsnFor(cluster.systemIdentifier()).orElseThrow();
    LsnContext.clear();
    return lsn;
  }

  private double pollsPerSecond(HikariDataSource primary, int waiters) throws Exception {
    cluster.pauseReplay();
    try {
      Lsn lsn = writeWhilePaused(primary);
      List<CompletableFuture<Lsn>> futures = new ArrayList<>();
      for (int i = 0; i < waiters; i++) {
        futures.add(tracker.whenReplayed(lsn));
      }
      Thread.sleep(200); // let the poller settle into its interval (a measurement window, not a wait for a result)
      long before = PgCluster.queryLong(cluster.replica(), POLL_CALLS);
      long start = System.nanoTime();
      Thread.sleep(1000);
      long calls = PgCluster.queryLong(cluster.replica(), POLL_CALLS) - before;
      double seconds = (System.nanoTime() - start) / 1e9;
      futures.forEach(f -> f.cancel(false));
      return calls / seconds;
    } finally {
      cluster.resumeReplay();
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    }
  }

  /** Registers n waiters for lsn; returns the wake-up time of each (nanoTime), filled in as they wake. */
  private interface Waiters {
    AtomicLongArray start(int n, Lsn lsn, CountDownLatch woken) throws Exception;
  }

  private AtomicLongArray futureWaiters(int n, Lsn lsn, CountDownLatch woken) {
    AtomicLongArray times = new AtomicLongArray(n);
    for (int i = 0; i < n; i++) {
      int index = i;
      tracker.whenReplayed(lsn).thenRun(() -> {
        times.set(index, System.nanoTime());
        woken.countDown();
      });
    }
    return times;
  }

  private Waiters threadWaiters(boolean virtual) {
    return (n, lsn, woken) -> {
      AtomicLongArray times = new AtomicLongArray(n);
      for (int i = 0; i < n; i++) {
        int index = i;
        Runnable wait = () -> {
          try {
            if (tracker.await(lsn, Duration.ofSeconds(60))) {
              times.set(index, System.nanoTime());
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          woken.countDown();
        };
        if (virtual) {
          startVirtual(wait);
        } else {
          Thread thread = new Thread(null, wait, "waiter-" + i, 256 * 1024);
          thread.setDaemon(true);
          thread.start();
        }
      }
      return times;
    };
  }

  private void wakeAll(HikariDataSource primary, String kind, Waiters waiters) throws Exception {
    List<Double> firsts = new ArrayList<>();
    List<Double> spreads = new ArrayList<>();
    int n = options.waiters;
    for (int rep = 0; rep < options.reps; rep++) {
      cluster.pauseReplay();
      Lsn lsn = writeWhilePaused(primary);
      CountDownLatch woken = new CountDownLatch(n);
      AtomicLongArray times = waiters.start(n, lsn, woken);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (tracker.stats().waiters() < n && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long resumed = System.nanoTime();
      cluster.resumeReplay();
      if (!woken.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("waiters were not woken");
      }
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (int i = 0; i < n; i++) {
        first = Math.min(first, times.get(i));
        last = Math.max(last, times.get(i));
      }
      firsts.add((first - resumed) / 1e6);
      spreads.add((last - first) / 1e6);
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    }
    System.out.printf(Locale.ROOT,
        "    %-26s %6d waiters: resume -> first woken %6.2f ms; first -> last woken %6.2f ms (goal 2 ms)%n",
        kind, n, Throughput.median(firsts), Throughput.median(spreads));
  }

  private void memoryPerWaiter(HikariDataSource primary) throws Exception {
    cluster.pauseReplay();
    try {
      Lsn lsn = writeWhilePaused(primary);
      int n = 100_000;
      long before = usedHeapAfterGc();
      List<CompletableFuture<Lsn>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        futures.add(tracker.whenReplayed(lsn));
      }
      long after = usedHeapAfterGc();
      System.out.printf(Locale.ROOT, "  memory per waiter: about %d bytes (%d waiters, heap after GC)%n",
          (after - before - 4L * n) / n, n); // less the list's own references
      futures.forEach(f -> f.cancel(false));
    } finally {
      cluster.resumeReplay();
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static final MethodHandle START_VIRTUAL = virtualThreadStarter();

  private static MethodHandle virtualThreadStarter() {
    try {
      return MethodHandles.publicLookup()
          .findStatic(Thread.class, "startVirtualThread", MethodType.methodType(Thread.class, Runnable.class));
    } catch (ReflectiveOperationException e) {
      return null; // JDK 17: no virtual threads
    }
  }

  private static void startVirtual(Runnable task) {
    try {
      START_VIRTUAL.invoke(task);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}

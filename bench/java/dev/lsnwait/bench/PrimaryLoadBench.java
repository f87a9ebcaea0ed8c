package dev.lsnwait.bench;

import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load on the primary from position reads: lsnwait's side reads of the primary's WAL position
 * ({@code PrimaryPosition.QUERY}, counted by pg_stat_statements) per 1,000 commits, for one instance and for a fleet
 * (each instance in a class loader of its own, fresh for every window: "tokens in use" is per instance and lasts).
 * Three workloads: explicit transactions whose tokens are used, auto-commit inserts whose tokens are used, and
 * auto-commit inserts whose tokens nobody uses; paced at {@code --rate} commits/s in total, and unpaced for one
 * instance. Beside each, the floor exactness needs (see {@link Window#floor}).
 */
final class PrimaryLoadBench {

  private static final String POSITION_READS = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
      + " WHERE query LIKE 'SELECT pg_current_wal_insert_lsn()::text, %'";
  /** The position reader's interval while no token was resolved for 10 s (ReadPacing). */
  private static final long IDLE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long WARM_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int WARMING = 0;
  private static final int COUNTING = 1;
  private static final int STOPPED = 2;

  /** What each unit of work does. */
  enum Workload {
    EXPLICIT_USED("(a) explicit tx, token used", false, true),
    AUTO_USED("(b) auto-commit, token used", true, true),
    AUTO_UNUSED("(c) auto-commit, token unused", true, false);

    final String label;
    final boolean autoCommit;
    final boolean used;

    Workload(String label, boolean autoCommit, boolean used) {
      this.label = label;
      this.autoCommit = autoCommit;
      this.used = used;
    }
  }

  /** How many instances, threads each, and the total commit rate (0: unpaced). */
  record Shape(String label, int instances, int threadsEach, int rate) {}

  /**
   * One measured window. {@code floor}: the reads exact tokens need now, at least: per instance, a resolution counts
   * if a commit of that instance returned since the last one that counted (a read started then would cover every
   * commit before it: the fewest reads, taking no time, that give each used token a read started after its commit).
   * Explicit transactions read their position in the commit's round trip: their floor is 0, as is that of tokens
   * nobody uses. {@code bound}: what the reader's promise allows at most: one read per used token's commit; for
   * tokens not in use, one per 50 ms per instance while it commits (a token resolved late stays within 50 ms of
   * WAL of its commit).
   */
  record Window(double seconds, long commits, long reads, long floor, long bound) {
    double perThousand() {
      return commits == 0 ? 0 : reads * 1000.0 / commits;
    }

    double floorPerThousand() {
      return commits == 0 ? 0 : floor * 1000.0 / commits;
    }

    double boundPerThousand() {
      return commits == 0 ? 0 : bound * 1000.0 / commits;
    }
  }

  private final PgCluster cluster;
  private final Bench.Options options;

  PrimaryLoadBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    PgCluster.execute(cluster.primary(), "DROP TABLE IF EXISTS bench_load;"
        + " CREATE TABLE bench_load (id bigserial PRIMARY KEY, v int NOT NULL)");
    List<Shape> shapes = List.of(
        new Shape("1 instance, paced", 1, options.threads, options.rate),
        new Shape("1 instance, unpaced", 1, options.threads, 0),
        new Shape(options.instances + " instances, paced", options.instances, 1, options.rate));
    System.out.printf("%n== primary load: position reads per 1,000 commits, %d reps of %d s, %d commits/s paced ==%n",
        options.reps, options.seconds, options.rate);
    Map<String, Window> medians = new LinkedHashMap<>();
    try (Connection counts = cluster.primary().connect()) {
      for (Shape shape : shapes) {
        for (Workload workload : Workload.values()) {
          List<Window> windows = new ArrayList<>();
          for (int rep = 0; rep < options.reps; rep++) {
            Window window = measure(counts, shape, workload);
            windows.add(window);
            System.out.printf(Locale.ROOT, "  %-22s %-31s rep %d: %s%n", shape.label(), workload.label, rep + 1,
                row(window));
          }
          windows.sort(Comparator.comparingDouble(Window::perThousand));
          medians.put(shape.label() + "|" + workload.label, windows.get(windows.size() / 2));
        }
      }
    }
    System.out.println("\n| workload | instances | commits/s | position reads/s | reads per 1,000 commits"
        + " | floor: exact tokens now | bound: one per used commit, else per 50 ms |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    for (Workload workload : Workload.values()) {
      for (Shape shape : shapes) {
        Window w = medians.get(shape.label() + "|" + workload.label);
        System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.1f | %.1f | %.1f | %.1f |%n", workload.label,
            shape.label(), w.commits() / w.seconds(), w.reads() / w.seconds(), w.perThousand(),
            w.floorPerThousand(), w.boundPerThousand());
      }
    }
  }

  private static String row(Window w) {
    return String.format(Locale.ROOT,
        "%6.0f commits/s %7.1f reads/s %7.1f reads per 1,000 commits (floor %.1f, bound %.1f)",
        w.commits() / w.seconds(), w.reads() / w.seconds(), w.perThousand(), w.floorPerThousand(),
        w.boundPerThousand());
  }

  private Window measure(Connection counts, Shape shape, Workload workload) throws Exception {
    String url = cluster.primary().lsnwaitUrl() + "?lsnwait.idleTimeout=1s";
    AtomicInteger phase = new AtomicInteger(WARMING);
    AtomicLong commits = new AtomicLong();
    AtomicLong floor = new AtomicLong();
    Failures failure = new Failures();
    List<Thread> workers = new ArrayList<>();
    List<AtomicLong> perInstance = new ArrayList<>();
    int threads = shape.instances() * shape.threadsEach();
    long period = shape.rate() == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) * threads / shape.rate();
    for (int i = 0; i < shape.instances(); i++) {
      Isolated instance = new Isolated(Isolated.thisBuild());
      AtomicBoolean uncovered = new AtomicBoolean(); // a commit of this instance no counted resolution covers
      AtomicLong own = new AtomicLong(); // this instance's commits in the window
      perInstance.add(own);
      for (int t = 0; t < shape.threadsEach(); t++) {
        Connection connection = instance.connect(url);
        Thread worker = new Thread(() -> work(instance, connection, workload, period, phase, commits, own, floor,
            uncovered, failure), "primaryload-" + i + "-" + t);
        worker.setDaemon(true);
        workers.add(worker);
      }
    }
    workers.forEach(Thread::start);
    TimeUnit.NANOSECONDS.sleep(WARM_NANOS);
    long readsStart = count(counts);
    long commitsStart = commits.get();
    long floorStart = floor.get();
    long start = System.nanoTime();
    phase.set(COUNTING);
    TimeUnit.SECONDS.sleep(options.seconds);
    phase.set(STOPPED);
    long elapsed = System.nanoTime() - start;
    long reads = count(counts) - readsStart;
    long bound = 0;
    for (AtomicLong own : perInstance) {
      bound += workload == Workload.EXPLICIT_USED ? 0
          : workload.used ? own.get() : Math.min(own.get(), elapsed / IDLE_INTERVAL_NANOS + 1);
    }
    Window window = new Window(elapsed / 1e9, commits.get() - commitsStart, reads, floor.get() - floorStart, bound);
    for (Thread worker : workers) {
      worker.join();
    }
    if (failure.first != null) {
      System.out.printf("    %d failures, the first: %s%n", failure.count.get(), failure.first);
    }
    Thread.sleep(1500); // the readers' idle timeout: their connections close before the next window
    return window;
  }

  /** Failures of the workers, kept for the report. */
  private static final class Failures {
    final AtomicLong count = new AtomicLong();
    volatile String first;
  }

  private static void work(Isolated instance, Connection connection, Workload workload, long period,
      AtomicInteger phase, AtomicLong commits, AtomicLong own, AtomicLong floor, AtomicBoolean uncovered,
      Failures failure) {
    try (connection; PreparedStatement insert = connection.prepareStatement("INSERT INTO bench_load (v) VALUES (?)")) {
      connection.setAutoCommit(workload.autoCommit);
      long next = System.nanoTime() + (period == 0 ? 0 : ThreadLocalRandom.current().nextLong(period));
      while (true) {
        if (period > 0) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          next = Math.max(next + period, System.nanoTime() - period); // late: no burst to catch up
        }
        int now = phase.get(); // after the pause: a commit counts in the window it is made in
        if (now == STOPPED) {
          break;
        }
        try {
          insert.setInt(1, 1);
          insert.executeUpdate();
          if (!workload.autoCommit) {
            connection.commit();
          }
          uncovered.set(true);
          if (now == COUNTING) {
            commits.incrementAndGet();
            own.incrementAndGet();
          }
          if (workload.used) {
            if (uncovered.getAndSet(false) && now == COUNTING && workload.autoCommit) {
              floor.incrementAndGet(); // a read starting now would cover every commit of this instance so far
            }
            instance.currentToken(); // as the servlet filter does at the end of a request
          }
        } catch (SQLException e) {
          if (failure.count.incrementAndGet() == 1) {
            failure.first = e.toString();
          }
        } finally {
          instance.clearContext();
        }
      }
    } catch (SQLException e) {
      failure.count.incrementAndGet();
      failure.first = e.toString();
    }
  }

  private static long count(Connection server) throws SQLException {
    try (Statement statement = server.createStatement();
        ResultSet row = statement.executeQuery(POSITION_READS)) {
      row.next();
      return row.getLong(1);
    }
  }
}

package dev.lsnwait.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.Latencies;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo: an embedded primary and a streaming replica with a replay delay. N threads loop: write a row on the
 * primary (a fifth of the loops, by default), then read back their latest row, while background threads only
 * write. Four strategies run one after the
 * other on the same cluster — plain replica reads, primary-after-write, remote_apply, lsnwait — and one table
 * compares stale reads, read latency, write throughput and the share of reads the replica served.
 *
 * <p>Run: {@code mvn -q -Pdemo}; options with {@code -Dexec.args="--help"}.
 */
public final class Demo {

  private final Options options;
  private final AtomicLong ids = new AtomicLong();

  private Demo(Options options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("demo: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.println(Options.USAGE);
      return;
    }
    new Demo(options).run();
  }

  private void run() throws Exception {
    System.out.printf(
        "lsnwait demo: starting an embedded PostgreSQL primary and a streaming replica (replay delay %d ms)...%n",
        options.delayMillis);
    PgCluster cluster;
    try {
      cluster = PgCluster.start(Duration.ofMillis(options.delayMillis), true);
    } catch (RuntimeException e) {
      System.err.println("demo: could not start PostgreSQL: " + e.getMessage());
      System.err.println("demo: the binaries come from Maven Central (io.zonky.test.postgres); on another OS or CPU"
          + " set LSNWAIT_PG_BIN to a directory with initdb, pg_ctl and postgres");
      System.exit(1);
      return;
    }
    try (cluster) {
      PgCluster.execute(cluster.primary(), "CREATE TABLE demo (id bigint PRIMARY KEY, payload text)");
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
      System.out.printf(
          "primary 127.0.0.1:%d, replica 127.0.0.1:%d; %d s per strategy.%n"
              + "%d user threads loop: write a row (%.0f%% of loops), then read back their latest row;%n"
              + "%d background threads only write.%n%n",
          cluster.primary().port(), cluster.replica().port(), options.seconds, options.threads,
          options.writeRatio * 100, options.writers);
      List<Result> results = new ArrayList<>();
      for (Strategy strategy : options.strategies) {
        strategy.before(cluster);
        try {
          results.add(measure(strategy, cluster));
        } finally {
          strategy.after(cluster);
        }
        cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
      }
      System.out.println();
      System.out.printf(Locale.ROOT, "%-20s %8s %8s %8s %10s %10s %9s %9s%n",
          "strategy", "reads", "stale", "stale %", "read p50", "read p99", "writes/s", "replica %");
      for (Result result : results) {
        System.out.println(result);
      }
      System.out.println();
      for (Strategy strategy : options.strategies) {
        System.out.printf("%-20s %s%n", strategy.label, strategy.description);
      }
      System.out.printf("(primary after write: sticky window %d ms, as Rails' default)%n", options.stickyMillis);
    }
  }

  private Result measure(Strategy strategy, PgCluster cluster) throws Exception {
    try (HikariDataSource primary = pool(strategy.primaryUrl(cluster), strategy + "-primary", false);
        HikariDataSource replica =
            pool(strategy.replicaUrl(cluster), strategy + "-replica", strategy.readOnlyReads())) {
      Counters counters = new Counters();
      List<Latencies> latencies = new ArrayList<>();
      ExecutorService workers = Executors.newFixedThreadPool(options.threads + options.writers);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds);
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < options.threads; i++) {
        Latencies mine = new Latencies();
        latencies.add(mine);
        running.add(workers.submit(() -> loop(strategy, primary, replica, end, counters, mine)));
      }
      for (int i = 0; i < options.writers; i++) {
        running.add(workers.submit(() -> writeOnly(primary, end, counters)));
      }
      long started = System.nanoTime();
      new Progress(strategy.label, counters).showUntilDone(running, started);
      for (Future<?> future : running) {
        future.get();
      }
      workers.shutdown();
      double seconds = (System.nanoTime() - started) / 1e9;
      return new Result(strategy.label, counters, Latencies.merge(latencies), seconds);
    }
  }

  private Void loop(
      Strategy strategy, HikariDataSource primary, HikariDataSource replica, long end, Counters counters,
      Latencies latencies) throws SQLException {
    LsnContext.clear();
    long latestId = 0;
    long lastWrite = 0;
    while (System.nanoTime() < end) {
      if (latestId == 0 || ThreadLocalRandom.current().nextDouble() < options.writeRatio) {
        latestId = ids.incrementAndGet();
        insert(primary, latestId);
        lastWrite = System.nanoTime();
        counters.writes.increment();
      }
      boolean fromPrimary =
          strategy.readsFromPrimary(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWrite), options.stickyMillis);
      long start = System.nanoTime();
      boolean seen;
      boolean onReplica = true; // a stale read came from a replica
      try (Connection c = (fromPrimary ? primary : replica).getConnection();
          PreparedStatement select = c.prepareStatement("SELECT pg_is_in_recovery() FROM demo WHERE id = ?")) {
        select.setLong(1, latestId);
        try (ResultSet row = select.executeQuery()) {
          seen = row.next();
          onReplica = !seen || row.getBoolean(1);
        }
      }
      latencies.add(System.nanoTime() - start);
      counters.reads.increment();
      if (onReplica) {
        counters.replicaReads.increment();
      }
      if (!seen) {
        counters.stale.increment();
      }
    }
    return null;
  }

  /** Writes by others (background jobs, API calls): they never read, so nothing should slow them down. */
  private Void writeOnly(HikariDataSource primary, long end, Counters counters) throws SQLException {
    LsnContext.clear();
    while (System.nanoTime() < end) {
      insert(primary, ids.incrementAndGet());
      counters.writes.increment();
    }
    return null;
  }

  private static void insert(HikariDataSource primary, long id) throws SQLException {
    try (Connection c = primary.getConnection();
        PreparedStatement insert = c.prepareStatement("INSERT INTO demo VALUES (?, 'hello')")) {
      insert.setLong(1, id);
      insert.executeUpdate();
    }
  }

  private HikariDataSource pool(String url, String name, boolean readOnly) {
    HikariConfig config = new HikariConfig();
    config.setReadOnly(readOnly);
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setPoolName(name);
    config.setMaximumPoolSize(options.threads + options.writers);
    return new HikariDataSource(config);
  }

  /** Shared counters of one strategy's run. */
  static final class Counters {
    final LongAdder reads = new LongAdder();
    final LongAdder stale = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder replicaReads = new LongAdder();
  }

  /** One progress line per second (rewritten in place on a terminal). */
  private record Progress(String label, Counters counters) {
    void showUntilDone(List<Future<?>> running, long started) throws InterruptedException {
      boolean terminal = System.console() != null;
      long shown = -1;
      while (!running.stream().allMatch(Future::isDone)) {
        Thread.sleep(100);
        long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        if (elapsed != shown) {
          print(terminal, elapsed + " s");
          shown = elapsed;
        }
      }
      print(terminal, "done");
      if (terminal) {
        System.out.println();
      }
    }

    private void print(boolean terminal, String when) {
      String line = String.format(Locale.ROOT, "  %-20s %5s: %8d reads, %7d stale, %7d writes",
          label, when, counters.reads.sum(), counters.stale.sum(), counters.writes.sum());
      if (terminal) {
        System.out.print("\r" + line);
        System.out.flush();
      } else {
        System.out.println(line);
      }
    }
  }

  private record Result(String label, Counters counters, Latencies latencies, double seconds) {
    @Override
    public String toString() {
      long reads = counters.reads.sum();
      long stale = counters.stale.sum();
      return String.format(
          Locale.ROOT,
          "%-20s %8d %8d %7.1f%% %7.2f ms %7.2f ms %9.0f %8.0f%%",
          label,
          reads,
          stale,
          reads == 0 ? 0.0 : 100.0 * stale / reads,
          latencies.percentileMillis(50),
          latencies.percentileMillis(99),
          counters.writes.sum() / seconds,
          reads == 0 ? 0.0 : 100.0 * counters.replicaReads.sum() / reads);
    }
  }

  /** Command-line options. */
  static final class Options {
    static final String USAGE =
        "usage: mvn -q -Pdemo -Dexec.args=\"[options]\"\n"
            + "  --delay MS         replica replay delay (recovery_min_apply_delay), default 20\n"
            + "  --seconds S        how long each strategy runs, default 5\n"
            + "  --threads N        user threads (write, then read back), default 4\n"
            + "  --writers N        background threads that only write, default 2\n"
            + "  --write-ratio R    share of user loops that write before reading, 0 to 1, default 0.2\n"
            + "  --sticky MS        primary-after-write window, default 2000\n"
            + "  --only a,b         strategies to run: plain, primary-after-write, remote-apply, lsnwait";

    int delayMillis = 20;
    int seconds = 5;
    int threads = 4;
    int writers = 2;
    double writeRatio = 0.2;
    int stickyMillis = 2000;
    List<Strategy> strategies = List.of(Strategy.values());
    boolean help;

    static Options parse(String[] args) {
      Options options = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--help") || arg.equals("-h")) {
          options.help = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for " + arg);
        }
        String value = args[++i];
        switch (arg) {
          case "--delay" -> options.delayMillis = number(arg, value, 0);
          case "--seconds" -> options.seconds = number(arg, value, 1);
          case "--threads" -> options.threads = number(arg, value, 1);
          case "--writers" -> options.writers = number(arg, value, 0);
          case "--sticky" -> options.stickyMillis = number(arg, value, 0);
          case "--write-ratio" -> options.writeRatio = ratio(value);
          case "--only" -> options.strategies = strategies(value);
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      return options;
    }

    private static int number(String option, String value, int min) {
      try {
        int number = Integer.parseInt(value);
        if (number >= min) {
          return number;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException(option + " needs a whole number >= " + min + ", not '" + value + "'");
    }

    private static double ratio(String value) {
      try {
        double ratio = Double.parseDouble(value);
        if (ratio >= 0 && ratio <= 1) {
          return ratio;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException("--write-ratio needs a number from 0 to 1, not '" + value + "'");
    }

    private static List<Strategy> strategies(String value) {
      List<Strategy> chosen = new ArrayList<>();
      for (String name : value.split(",")) {
        String wanted = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
          chosen.add(Strategy.valueOf(wanted));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("unknown strategy '" + name.trim() + "'");
        }
      }
      return chosen;
    }
  }
}

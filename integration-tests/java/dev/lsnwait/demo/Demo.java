package dev.lsnwait.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo: an embedded primary and a streaming replica with a replay delay; N threads each write a row on the
 * primary and at once read it back from the replica; first with plain pgjdbc, then with lsnwait (only the URLs
 * change). Prints stale reads and read latency side by side.
 *
 * <p>Run: {@code mvn -q -Pdemo} (arguments: {@code -Dexec.args="--delay 50 --seconds 5 --threads 4"}).
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
        "lsnwait demo: starting an embedded primary and a replica (replay delay %d ms)...%n", options.delayMillis);
    PgCluster cluster;
    try {
      cluster = PgCluster.start(Duration.ofMillis(options.delayMillis), false);
    } catch (RuntimeException e) {
      System.err.println("demo: could not start PostgreSQL: " + e.getMessage());
      System.exit(1);
      return;
    }
    try (cluster) {
      PgCluster.execute(cluster.primary(), "CREATE TABLE demo (id bigint PRIMARY KEY, payload text)");
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
      System.out.printf(
          "primary 127.0.0.1:%d, replica 127.0.0.1:%d; %d threads, %d s per run, each: write a row, read it back%n%n",
          cluster.primary().port(), cluster.replica().port(), options.threads, options.seconds);
      List<Result> results = new ArrayList<>();
      results.add(measure("plain pgjdbc", cluster.primary().jdbcUrl(), cluster.replica().jdbcUrl()));
      results.add(measure("lsnwait", cluster.primary().lsnwaitUrl(), cluster.replica().lsnwaitUrl()));
      System.out.println();
      System.out.printf("%-14s %9s %9s %8s %11s %11s %10s%n",
          "strategy", "reads", "stale", "stale %", "read p50", "read p99", "pairs/s");
      for (Result result : results) {
        System.out.println(result);
      }
      System.out.printf(
          "%nSame code, same cluster: only the JDBC URLs differ (jdbc:postgresql: vs jdbc:lsnwait:postgresql:).%n");
    }
  }

  private Result measure(String name, String primaryUrl, String replicaUrl) throws Exception {
    try (HikariDataSource primary = pool(primaryUrl, name + "-primary");
        HikariDataSource replica = pool(replicaUrl, name + "-replica")) {
      AtomicLong reads = new AtomicLong();
      AtomicLong stale = new AtomicLong();
      List<Latencies> latencies = new ArrayList<>();
      ExecutorService workers = Executors.newFixedThreadPool(options.threads);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds);
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < options.threads; i++) {
        Latencies mine = new Latencies();
        latencies.add(mine);
        running.add(workers.submit(() -> writeThenRead(primary, replica, end, reads, stale, mine)));
      }
      long started = System.nanoTime();
      boolean terminal = System.console() != null; // else one progress line per second, for logs
      long lastShown = -1;
      while (!allDone(running)) {
        Thread.sleep(200);
        long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        if (terminal || elapsed != lastShown) {
          System.out.printf(
              (terminal ? "\r" : "") + "  %-14s %2d s: %7d reads, %7d stale" + (terminal ? "" : "%n"),
              name, elapsed, reads.get(), stale.get());
          System.out.flush();
          lastShown = elapsed;
        }
      }
      for (Future<?> future : running) {
        future.get();
      }
      workers.shutdown();
      long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
      System.out.printf(
          (terminal ? "\r" : "") + "  %-14s done: %7d reads, %7d stale%n", name, reads.get(), stale.get());
      return new Result(name, reads.get(), stale.get(), Latencies.merge(latencies), reads.get() / (double) seconds);
    }
  }

  private Void writeThenRead(
      HikariDataSource primary, HikariDataSource replica, long end, AtomicLong reads, AtomicLong stale,
      Latencies latencies) throws SQLException {
    LsnContext.clear();
    while (System.nanoTime() < end) {
      long id = ids.incrementAndGet();
      try (Connection c = primary.getConnection();
          PreparedStatement insert = c.prepareStatement("INSERT INTO demo VALUES (?, 'hello')")) {
        insert.setLong(1, id);
        insert.executeUpdate();
      }
      long start = System.nanoTime();
      boolean seen;
      try (Connection c = replica.getConnection();
          PreparedStatement select = c.prepareStatement("SELECT 1 FROM demo WHERE id = ?")) {
        select.setLong(1, id);
        try (ResultSet row = select.executeQuery()) {
          seen = row.next();
        }
      }
      latencies.add(System.nanoTime() - start);
      reads.incrementAndGet();
      if (!seen) {
        stale.incrementAndGet();
      }
    }
    return null;
  }

  private HikariDataSource pool(String url, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setPoolName(name);
    config.setMaximumPoolSize(options.threads);
    return new HikariDataSource(config);
  }

  private static boolean allDone(List<Future<?>> futures) {
    return futures.stream().allMatch(Future::isDone);
  }

  private record Result(String name, long reads, long stale, Latencies latencies, double writesPerSecond) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%-14s %9d %9d %7.1f%% %8.2f ms %8.2f ms %10.0f",
          name,
          reads,
          stale,
          reads == 0 ? 0.0 : 100.0 * stale / reads,
          latencies.percentileMillis(50),
          latencies.percentileMillis(99),
          writesPerSecond);
    }
  }

  /** Command-line options. */
  static final class Options {
    static final String USAGE =
        "usage: mvn -q -Pdemo -Dexec.args=\"[--delay MS] [--seconds S] [--threads N]\"\n"
            + "  --delay MS    replica replay delay (recovery_min_apply_delay), default 20\n"
            + "  --seconds S   how long each run lasts, default 5\n"
            + "  --threads N   concurrent write-then-read loops, default 4";

    int delayMillis = 20;
    int seconds = 5;
    int threads = 4;
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
        int value = number(arg, args[++i]);
        switch (arg) {
          case "--delay" -> options.delayMillis = value;
          case "--seconds" -> options.seconds = Math.max(1, value);
          case "--threads" -> options.threads = Math.max(1, value);
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      return options;
    }

    private static int number(String option, String value) {
      try {
        int number = Integer.parseInt(value);
        if (number < 0) {
          throw new NumberFormatException();
        }
        return number;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " needs a whole number >= 0, not '" + value + "'");
      }
    }
  }
}

package dev.lsnwait.bench;

import dev.lsnwait.testkit.PgCluster;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The end-to-end benchmark harness and the JMH entry point. Not tests: they measure, they do not assert.
 *
 * <pre>
 *   mvn -q -Pbench                                   # all end-to-end benchmarks, then print the tables
 *   mvn -q -Pbench -Dbench.args="write --reps 7"     # one of: write, read, wakeup, exact, scale, fleet, routing,
 *                                                    # splitting, pooler, web, primaryload
 *   mvn -q -Pbench -Dbench.args="wakeup --pairs 250" # each thread 250 write-then-read pairs a repetition
 *   mvn -q -Pbench -Dbench.args="fleet --baseline /path/to/earlier/lsnwait.jar"   # beside an earlier build
 *   mvn -q -Pbench -Dbench.args="jmh"                # the JMH microbenchmarks (JMH options may follow)
 * </pre>
 */
public final class Bench {

  private Bench() {}

  public static void main(String[] args) throws Exception {
    String what = args.length == 0 ? "all" : args[0];
    if (what.equals("jmh")) {
      org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    Options options = Options.parse(Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
    List<String> parts = what.equals("all")
        ? List.of("write", "read", "wakeup", "exact", "scale", "fleet") : List.of(what.split(","));
    System.out.printf(
        "lsnwait end-to-end benchmarks: %s; %d repetitions of %d s, median reported; java %s, %d cores%n",
        parts, options.reps, options.seconds, System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    try (PgCluster cluster =
        PgCluster.start(Duration.ZERO, false, "shared_preload_libraries = 'pg_stat_statements'")) {
      PgCluster.execute(cluster.primary(), "CREATE EXTENSION pg_stat_statements");
      for (String part : parts) {
        switch (part) {
          case "write" -> new WriteBench(cluster, options).run();
          case "read" -> new ReadBench(cluster, options).run();
          case "wakeup" -> new WakeupBench(cluster, options).run();
          case "scale" -> new ScaleBench(cluster, options).run();
          case "fleet" -> new FleetBench(cluster, options).run();
          case "exact" -> new ExactTokenBench(cluster, options).run();
          case "routing" -> new RoutingBench(cluster, options).run();
          case "splitting" -> new SplittingBench(cluster, options).run();
          case "pooler" -> new PoolerBench(cluster, options).run();
          case "web" -> new WebBench(cluster, options).run();
          case "primaryload" -> new PrimaryLoadBench(cluster, options).run();
          default -> throw new IllegalArgumentException("unknown benchmark " + part);
        }
      }
    }
  }

  /** Command-line options. */
  static final class Options {
    int reps = 5;
    int seconds = 3;
    /** wakeup: write-then-read pairs per thread and repetition instead of {@code seconds}; 0: by time. */
    int pairs;
    int threads = 4;
    int delayMillis = 20;
    int waiters = 10_000;
    int pollMicros = 500;
    int instances = 100;
    int users = 2000;
    /** Commits per second in total, where a benchmark paces them (primaryload). */
    int rate = 500;
    /** A jar (or classes directory) of another lsnwait build to measure beside this one, or null. */
    String baseline;
    /** Only the variants whose name contains one of these, comma-separated (splitting, web); null: all. */
    String only;

    /**
     * Whether {@code --only} leaves the variant of this name in: an entry names it by part of its name, {@code _}
     * standing for a space and a trailing {@code $} for its end.
     */
    boolean selects(String name) {
      if (only == null) {
        return true;
      }
      for (String entry : only.split(",")) {
        String part = entry.replace('_', ' ');
        if (part.endsWith("$") ? name.endsWith(part.substring(0, part.length() - 1)) : name.contains(part)) {
          return true;
        }
      }
      return false;
    }
    /** web: the replay delays to measure at, in milliseconds; null: 0, 10, 50 and 200. */
    int[] lags;
    /** More lsnwait properties for the lsnwait variants' URLs, as a query string (splitting); null: none. */
    String lsnwait;

    static Options parse(String[] args) {
      Options options = new Options();
      for (int i = 0; i + 1 < args.length; i += 2) {
        if (args[i].equals("--baseline")) {
          options.baseline = args[i + 1];
          continue;
        }
        if (args[i].equals("--only")) {
          options.only = args[i + 1];
          continue;
        }
        if (args[i].equals("--lags")) {
          options.lags = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
          continue;
        }
        if (args[i].equals("--lsnwait")) {
          options.lsnwait = args[i + 1];
          continue;
        }
        int value = Integer.parseInt(args[i + 1]);
        switch (args[i]) {
          case "--reps" -> options.reps = value;
          case "--seconds" -> options.seconds = value;
          case "--pairs" -> options.pairs = value;
          case "--threads" -> options.threads = value;
          case "--delay" -> options.delayMillis = value;
          case "--waiters" -> options.waiters = value;
          case "--poll-us" -> options.pollMicros = value;
          case "--instances" -> options.instances = value;
          case "--users" -> options.users = value;
          case "--rate" -> options.rate = value;
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      return options;
    }
  }
}

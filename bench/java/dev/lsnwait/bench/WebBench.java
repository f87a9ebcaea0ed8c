package dev.lsnwait.bench;

import dev.lsnwait.bench.web.WebApp;
import dev.lsnwait.testkit.Latencies;
import dev.lsnwait.testkit.PgCluster;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application ({@link WebApp}: JPA, Spring Data, HikariCP, embedded Tomcat) three ways in one process,
 * on the real primary and replica: lsnwait's one URL with its auto-configuration and filter, the primary alone, and
 * Spring's read-only routing. Browsers with cookie jars post an item, follow the 303 and check that the page (two
 * read-only transactions) shows it; at several replay delays, the variants alternated within each repetition.
 */
final class WebBench {

  private static final int[] LAGS_MILLIS = {0, 10, 50, 200};
  private static final String KEY =
      Base64.getEncoder().encodeToString("the web benchmark's 32-byte key!".getBytes(StandardCharsets.US_ASCII));
  private static final String WITHOUT_LSNWAIT =
      "spring.autoconfigure.exclude=dev.lsnwait.spring.LsnWaitAutoConfiguration";
  private static final long WARM_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final int WARM_ROUNDS = 30;
  private static final int WARMING = 0;
  private static final int COUNTING = 1;
  private static final int STOPPED = 2;
  /** lsnwait's reads of the primary's position (pg_stat_statements), each made for the commits before it. */
  private static final String POSITION_READS = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
      + " WHERE query LIKE 'SELECT pg_current_wal_insert_lsn()::text, %'";

  private final PgCluster cluster;
  private final Bench.Options options;
  /** Plain connections that read the servers' counts as windows open and close (no connecting in between). */
  private Connection primary;
  private Connection replica;

  WebBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  /** One running application and its users. */
  private record App(String name, ConfigurableApplicationContext context, List<Browser> browsers) {}

  void run() throws Exception {
    PgCluster.execute(cluster.primary(), "DROP TABLE IF EXISTS bench_web_item; CREATE TABLE bench_web_item"
        + " (id bigserial PRIMARY KEY, owner text NOT NULL, title text NOT NULL);"
        + " CREATE INDEX ON bench_web_item (owner, id)");
    cluster.setReplayDelay(Duration.ZERO);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    String plain = cluster.primary().jdbcUrl();
    String replicas = "127.0.0.1:" + cluster.replica().port();
    System.out.printf("%n== web: Spring Boot, post/redirect/get, %d browsers, %d reps of %d s per variant and lag ==%n",
        options.threads, options.reps, options.seconds);
    List<App> apps = new ArrayList<>();
    try (RoutedWork routed = new RoutedWork(); Connection counts = cluster.primary().connect();
        Connection replicaCounts = cluster.replica().connect()) {
      primary = counts;
      replica = replicaCounts;
      add(apps, "lsnwait, one URL", "spring.datasource.url=" + cluster.primary().lsnwaitUrl()
          + "?lsnwait.replicas=" + replicas, "lsnwait.web.keys=k1=" + KEY);
      add(apps, "primary only", "spring.datasource.url=" + plain, WITHOUT_LSNWAIT);
      add(apps, "Spring read-only routing", "spring.datasource.url=" + plain,
          "bench.web.replica-url=" + cluster.replica().jdbcUrl(), WITHOUT_LSNWAIT);
      warmUp(apps, routed);
      Map<Integer, Map<String, List<WebWindow>>> cells = new LinkedHashMap<>();
      for (int lag : options.lags == null ? LAGS_MILLIS : options.lags) {
        cluster.setReplayDelay(Duration.ofMillis(lag));
        cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
        System.out.printf("  replay delay %d ms%n", lag);
        for (App app : apps) {
          window(app, 1, routed); // untimed: the trackers learn the new lag
        }
        Map<String, List<WebWindow>> mine = new LinkedHashMap<>();
        for (int rep = 0; rep < options.reps; rep++) {
          for (int i = 0; i < apps.size(); i++) {
            App app = apps.get((rep + i) % apps.size()); // rotate the order
            WebWindow cell = window(app, options.seconds, routed);
            mine.computeIfAbsent(app.name(), name -> new ArrayList<>()).add(cell);
            System.out.printf("    rep %d %-26s %s%n", rep + 1, app.name(), cell);
          }
        }
        cells.put(lag, mine);
      }
      WebWindow.print(cells, apps.get(Math.min(1, apps.size() - 1)).name(), options.reps);
    } finally {
      for (App app : apps) {
        app.context().close();
      }
      cluster.setReplayDelay(Duration.ZERO);
    }
  }

  /**
   * Runs the variants in turn until the JIT compiler has settled: its threads used under 2% of the process's CPU in
   * a round (at most {@link #WARM_ROUNDS} rounds of 3 s each). Spring, Hibernate and Tomcat keep the compiler busy for
   * a minute or more; measured before, every variant is slower by what it still compiles, and the lsnwait variant
   * compiles more (its own classes), which made it look slower than it is by up to 20%.
   */
  private void warmUp(List<App> apps, RoutedWork routed) throws Exception {
    for (int round = 1; round <= WARM_ROUNDS; round++) {
      long compiler = ThreadCpu.compiler();
      long cpu = ThreadCpu.process();
      for (App app : apps) {
        window(app, 3, routed);
      }
      double share = (ThreadCpu.compiler() - compiler) / (double) Math.max(1, ThreadCpu.process() - cpu);
      System.out.printf(Locale.ROOT, "  warm-up round %d: the JIT compiler used %.1f%% of the CPU%n", round,
          100 * share);
      if (share < 0.02) {
        return;
      }
    }
  }

  /** Starts the application as this variant unless {@code --only} leaves it out. */
  private void add(List<App> apps, String name, String... properties) {
    if (options.selects(name)) {
      apps.add(app(name, properties));
    }
  }

  private App app(String name, String... properties) {
    ConfigurableApplicationContext context = WebApp.start(properties);
    List<Browser> browsers = new ArrayList<>();
    for (int i = 0; i < options.threads; i++) {
      browsers.add(new Browser(WebApp.port(context), "user" + (i + 1)));
    }
    return new App(name, context, browsers);
  }

  /**
   * Each browser runs post/redirect/get flows for 0.5 s unmeasured, then {@code seconds} measured: the flows begun
   * while the window is open count, and the process's CPU, the placements, the primary's CPU and the servers' counts
   * are read as it opens and closes (the counts once the last flow ended: about one flow per browser too many).
   */
  private WebWindow window(App app, double seconds, RoutedWork routed) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(app.browsers().size());
    AtomicInteger phase = new AtomicInteger(WARMING);
    try {
      List<Future<Tally>> tallies = new ArrayList<>();
      for (Browser browser : app.browsers()) {
        tallies.add(threads.submit(() -> browse(browser, phase)));
      }
      TimeUnit.NANOSECONDS.sleep(WARM_NANOS);
      long readsStart = count(primary, POSITION_READS);
      long pollsStart = count(replica, SteadyLag.POLLS_ON_REPLICA);
      Map<String, Long> routedStart = routed.snapshot();
      double primaryCpuStart = SteadyLag.cpuSeconds(cluster.primary());
      long cpuStart = ThreadCpu.process();
      long compilerStart = ThreadCpu.compiler();
      long lsnwaitStart = ThreadCpu.lsnwait();
      long start = System.nanoTime();
      phase.set(COUNTING);
      TimeUnit.NANOSECONDS.sleep((long) (seconds * 1e9));
      phase.set(STOPPED);
      long elapsed = System.nanoTime() - start;
      long cpu = ThreadCpu.process() - cpuStart;
      long compiler = ThreadCpu.compiler() - compilerStart;
      long lsnwait = ThreadCpu.lsnwait() - lsnwaitStart;
      double primaryCpu = SteadyLag.cpuSeconds(cluster.primary()) - primaryCpuStart;
      Map<String, Long> placed = RoutedWork.since(routedStart, routed.snapshot());
      List<Latencies> pages = new ArrayList<>();
      List<Latencies> posts = new ArrayList<>();
      Tally all = new Tally();
      for (Future<Tally> tally : tallies) {
        Tally one = tally.get();
        all.fresh += one.fresh;
        all.stale += one.stale;
        all.failed += one.failed;
        all.failure = all.failure == null ? one.failure : all.failure;
        pages.add(one.pages);
        posts.add(one.posts);
      }
      long positionReads = count(primary, POSITION_READS) - readsStart;
      long replicaPolls = count(replica, SteadyLag.POLLS_ON_REPLICA) - pollsStart;
      if (all.failure != null) {
        System.out.printf("    %s: %d failed flows, the last: %s%n", app.name(), all.failed, all.failure);
      }
      Latencies merged = Latencies.merge(pages);
      return new WebWindow(elapsed / 1e9, all.fresh + all.stale, all.stale, all.failed, merged.percentileMillis(50),
          merged.percentileMillis(99), Latencies.merge(posts).percentileMillis(50), cpu, compiler, lsnwait, primaryCpu,
          positionReads,
          replicaPolls, placed);
    } finally {
      phase.set(STOPPED);
      threads.shutdown();
    }
  }

  /** One browser's flows in a window: those begun while it is open count. */
  private static final class Tally {
    final Latencies pages = new Latencies();
    final Latencies posts = new Latencies();
    long fresh;
    long stale;
    long failed;
    String failure;
  }

  private static Tally browse(Browser browser, AtomicInteger phase) throws InterruptedException {
    Tally tally = new Tally();
    int now;
    while ((now = phase.get()) != STOPPED) {
      Browser.Page page;
      try {
        page = browser.postRedirectGet();
      } catch (java.io.IOException e) {
        page = Browser.Page.FAILED;
        tally.failure = e.toString();
        Thread.sleep(10);
      }
      if (now != COUNTING) {
        continue;
      }
      switch (page) {
        case FRESH -> tally.fresh++;
        case STALE -> tally.stale++;
        case FAILED -> {
          tally.failed++;
          tally.failure = tally.failure == null ? browser.failure() : tally.failure;
        }
      }
      if (page != Browser.Page.FAILED) {
        tally.pages.add(browser.pageNanos());
        tally.posts.add(browser.postNanos());
      }
    }
    return tally;
  }

  private static long count(Connection server, String sql) throws SQLException {
    try (Statement statement = server.createStatement(); ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }
}

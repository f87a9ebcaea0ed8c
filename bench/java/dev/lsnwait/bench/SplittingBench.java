package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.ReadConsistency;
import dev.lsnwait.TokenCodec;
import dev.lsnwait.testkit.Latencies;
import dev.lsnwait.testkit.PgCluster;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Read/write splitting as applications do it, side by side in one run, replay delayed: many users, each request
 * either writes the user's next row (10%) or reads the user's latest row on a read-only connection (90%). The user's
 * context travels with the user, so a read follows the same user's write only sometimes. It travels three ways:
 * as a context snapshot restored per request (what context-propagation libraries carry); as the servlet filter does
 * (the request's token arrives as a signed cookie value, is decoded and opened per request, and a writing request
 * resolves its token at the end and sets the cookie again); and as Spring's {@code @Async} does (the request's
 * context captured by {@code LsnContext.wrap} of the task, which runs on a thread without context of its own).
 */
final class SplittingBench {

  private static final double WRITES = 0.1;
  private static final long STICKY_NANOS = Duration.ofSeconds(2).toNanos();

  private final PgCluster cluster;
  private final Bench.Options options;
  private final AtomicLong ids = new AtomicLong();
  private final TokenCodec codec = TokenCodec.fromKeys("bench=" + Base64.getEncoder().encodeToString(
      "a bench key of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII)));

  SplittingBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  /** How a user's lsnwait context reaches the thread of its next request. */
  private enum HandOn { SNAPSHOT, COOKIE, ASYNC }

  /** One way to split: where writes go, where reads go, and whether it carries lsnwait's context, and how. */
  private record Variant(String name, String writeUrl, String readUrl, boolean sticky, ReadConsistency level,
      HandOn handOn) {
    Variant(String name, String writeUrl, String readUrl, boolean sticky, ReadConsistency level) {
      this(name, writeUrl, readUrl, sticky, level, HandOn.SNAPSHOT);
    }
  }

  void run() throws Exception {
    // Every user wrote a first row long ago (replayed, no token): requests are then 10% writes from the start,
    // not mostly first writes of users not seen yet
    PgCluster.execute(cluster.primary(), "DROP TABLE IF EXISTS bench_users; CREATE TABLE bench_users"
        + " (id bigint PRIMARY KEY, user_id int); INSERT INTO bench_users SELECT g, 0 FROM generate_series(1, "
        + options.users + ") g");
    ids.set(options.users);
    cluster.setReplayDelay(Duration.ZERO);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    cluster.setReplayDelay(Duration.ofMillis(options.delayMillis));
    String oneUrl = withOptions(cluster.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:"
        + cluster.replica().port());
    String primaryUrl = withOptions(cluster.primary().lsnwaitUrl());
    String replicaUrl = withOptions(cluster.replica().lsnwaitUrl());
    List<Variant> variants = Stream.of(
        new Variant("plain splitting on the read-only flag", cluster.primary().jdbcUrl(), cluster.replica().jdbcUrl(),
            false, null),
        new Variant("primary after write (2 s sticky)", cluster.primary().jdbcUrl(), cluster.replica().jdbcUrl(),
            true, null),
        new Variant("lsnwait, two pools", primaryUrl, replicaUrl, false, ReadConsistency.SESSION),
        new Variant("lsnwait, one URL", oneUrl, oneUrl, false, ReadConsistency.SESSION),
        new Variant("lsnwait, one URL, token in a cookie", oneUrl, oneUrl, false, ReadConsistency.SESSION,
            HandOn.COOKIE),
        new Variant("lsnwait, one URL, wrapped @Async task", oneUrl, oneUrl, false, ReadConsistency.SESSION,
            HandOn.ASYNC),
        new Variant("lsnwait, one URL, global", oneUrl, oneUrl, false, ReadConsistency.GLOBAL),
        new Variant("lsnwait, one URL, bounded 100 ms", oneUrl, oneUrl, false,
            ReadConsistency.boundedStaleness(Duration.ofMillis(100))))
        .filter(v -> options.selects(v.name()))
        .toList();
    System.out.printf("%n== read/write splitting: %d users, %.0f%% writes, replay delay %d ms, %d threads, %d reps"
        + " of %d s ==%n", options.users, WRITES * 100, options.delayMillis, options.threads, options.reps,
        options.seconds);
    for (Variant variant : variants) {
      measure(variant); // an unmeasured round first: the first repetition ran every variant on a cold JIT
    }
    Map<String, List<SplittingCell>> cells = new LinkedHashMap<>();
    for (int rep = 0; rep < options.reps; rep++) {
      for (int i = 0; i < variants.size(); i++) {
        Variant variant = variants.get((i + rep) % variants.size()); // rotate the order
        SplittingCell cell = measure(variant);
        cells.computeIfAbsent(variant.name(), name -> new ArrayList<>()).add(cell);
        System.out.printf("    rep %d %-40s %s%n", rep + 1, variant.name(), cell);
      }
    }
    SplittingCell.printMedians(variants.stream().map(Variant::name).toList(), cells);
    cluster.setReplayDelay(Duration.ZERO);
  }

  /** An lsnwait URL with the properties of {@code --lsnwait} (for example {@code lsnwait.resolveInterval=5ms}). */
  private String withOptions(String url) {
    return options.lsnwait == null ? url : url + (url.contains("?") ? "&" : "?") + options.lsnwait;
  }

  /** A user's state, as a cookie would carry it. */
  private static final class User {
    final java.util.concurrent.locks.ReentrantLock busy = new java.util.concurrent.locks.ReentrantLock();
    long latest; // the id of the user's latest row
    long writtenAt;
    LsnContext.Snapshot context = LsnContext.snapshot();
    String cookie = ""; // the filter's cookie value: the encoded, signed token
  }

  private SplittingCell measure(Variant variant) throws Exception {
    User[] users = new User[options.users];
    for (int i = 0; i < users.length; i++) {
      users[i] = new User();
      users[i].latest = i + 1; // the row written long ago (run())
      users[i].writtenAt = System.nanoTime() - STICKY_NANOS;
    }
    try (HikariDataSource writes = Pools.pool(variant.writeUrl(), options.threads);
        HikariDataSource reads = Pools.pool(variant.readUrl(), options.threads)) {
      run(variant, users, writes, reads, options.seconds / 3.0); // warm-up
      return run(variant, users, writes, reads, options.seconds);
    }
  }

  private SplittingCell run(Variant variant, User[] users, HikariDataSource writes, HikariDataSource reads,
      double seconds) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(options.threads);
    try {
      long cpuBefore = ThreadCpu.process();
      long compilerBefore = ThreadCpu.compiler();
      long lsnwaitBefore = ThreadCpu.lsnwait();
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      List<Future<long[]>> results = new ArrayList<>();
      List<Latencies> latencies = new ArrayList<>();
      for (int t = 0; t < options.threads; t++) {
        Latencies mine = new Latencies();
        latencies.add(mine);
        results.add(threads.submit(() -> loop(variant, users, writes, reads, end, mine)));
      }
      long[] totals = new long[3];
      for (Future<long[]> result : results) {
        long[] counts = result.get();
        for (int i = 0; i < 3; i++) {
          totals[i] += counts[i];
        }
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      long cpu = ThreadCpu.process() - cpuBefore;
      long compiler = ThreadCpu.compiler() - compilerBefore;
      long lsnwait = ThreadCpu.lsnwait() - lsnwaitBefore; // threads that ended meanwhile are not counted
      Latencies all = Latencies.merge(latencies);
      return new SplittingCell(elapsed, totals[0], totals[1], totals[2], all.percentileMillis(50),
          all.percentileMillis(99), cpu, compilerBefore < 0 ? 0 : compiler, lsnwaitBefore < 0 ? 0 : lsnwait);
    } finally {
      threads.shutdown();
    }
  }

  /** Reads, stale reads, reads on the replica. */
  private long[] loop(Variant variant, User[] users, HikariDataSource writes, HikariDataSource reads, long end,
      Latencies latencies) throws Exception {
    long[] counts = new long[3];
    while (System.nanoTime() - end < 0) {
      User user = users[ThreadLocalRandom.current().nextInt(users.length)];
      if (!user.busy.tryLock()) {
        continue; // one request per user at a time, as a browser's
      }
      try {
        request(variant, user, writes, reads, latencies, counts);
      } finally {
        user.busy.unlock();
      }
    }
    return counts;
  }

  /** One request of {@code user}, with the user's context handed on the variant's way. */
  private void request(Variant variant, User user, HikariDataSource writes, HikariDataSource reads,
      Latencies latencies, long[] counts) throws Exception {
    boolean writing = ThreadLocalRandom.current().nextDouble() < WRITES;
    switch (variant.handOn()) {
      case SNAPSHOT -> {
        try (LsnContext.Scope ignored = LsnContext.open(user.context)) {
          if (writing) {
            write(user, writes);
            user.context = LsnContext.snapshot();
          } else {
            read(variant, user, writes, reads, latencies, counts);
          }
        }
      }
      case COOKIE -> { // as LsnWaitFilter: decode the cookie, open it for the request, resolve and encode after writes
        try (LsnContext.Scope ignored = LsnContext.open(codec.decodeOrEmpty(user.cookie))) {
          if (writing) {
            write(user, writes);
            user.cookie = codec.encode(LsnContext.current());
          } else {
            read(variant, user, writes, reads, latencies, counts);
          }
        }
      }
      case ASYNC -> { // writes on the request's thread; the read is an @Async task, wrapped where it is submitted
        try (LsnContext.Scope ignored = LsnContext.open(user.context)) {
          if (writing) {
            write(user, writes);
            user.context = LsnContext.snapshot();
            return;
          }
        }
        Callable<Void> task;
        try (LsnContext.Scope ignored = LsnContext.open(user.context)) {
          task = LsnContext.wrap(() -> {
            read(variant, user, writes, reads, latencies, counts);
            return null;
          });
        }
        task.call(); // on this thread, its context now empty as an executor's: the hand-on without the scheduling
      }
      default -> throw new IllegalStateException(variant.handOn().name());
    }
  }

  private void write(User user, HikariDataSource writes) throws Exception {
    long id = ids.incrementAndGet();
    try (Connection c = writes.getConnection();
        PreparedStatement insert = c.prepareStatement("INSERT INTO bench_users VALUES (?, 1)")) {
      insert.setLong(1, id);
      insert.executeUpdate();
    }
    user.latest = id;
    user.writtenAt = System.nanoTime();
  }

  private static void read(Variant variant, User user, HikariDataSource writes, HikariDataSource reads,
      Latencies latencies, long[] counts) throws Exception {
    boolean toPrimary = variant.sticky() && System.nanoTime() - user.writtenAt < STICKY_NANOS;
    long start = System.nanoTime();
    boolean seen;
    boolean onReplica;
    ReadConsistency level = variant.level() == null ? ReadConsistency.SESSION : variant.level();
    try (ReadConsistency.Scope ignored = ReadConsistency.open(level);
        Connection c = (toPrimary ? writes : reads).getConnection()) {
      c.setReadOnly(true);
      try (PreparedStatement select = c.prepareStatement(
          "SELECT pg_is_in_recovery() FROM bench_users WHERE id = ?")) {
        select.setLong(1, user.latest);
        try (ResultSet row = select.executeQuery()) {
          seen = row.next();
          onReplica = !seen || row.getBoolean(1);
        }
      } finally {
        c.setReadOnly(false);
      }
    }
    latencies.add(System.nanoTime() - start);
    counts[0]++;
    counts[1] += seen ? 0 : 1;
    counts[2] += onReplica ? 1 : 0;
  }
}

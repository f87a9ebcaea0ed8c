package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.PinnedReplicaTimeoutException;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.ReplicaPromotedException;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgBouncer;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import dev.lsnwait.testkit.RoutingProxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The Jepsen-style fault run: writers on the primary read their own row back through every way replicas are run
 * (directly, behind a load balancer, behind PgBouncer in transaction mode over that balancer, through the routing
 * URL) while a nemesis crashes backends, pauses replay, restarts the primary, kills lsnwait's position connections,
 * promotes a standby next to a primary that goes on writing (a split brain) and rebuilds it, and freezes a standby.
 *
 * <p>A read that finds no row and throws nothing is stale: there must be none. Every error must be one the faults
 * explain: a connection error (SQLSTATE class 08, 57P01-57P03), or lsnwait saying it could not make the read
 * consistent in time (57014, the {@link ReplicationTimeoutException} family, {@link PositionUnavailableException}).
 * Anything else fails the run with its message. Each fault waits for its conditions with deadlines, and the run ends
 * at a deadline: it takes about a minute.
 */
class FaultRunIT extends ClusterTest {

  private static final String TABLE = "fault_run";
  private static final int WORKERS = 4;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(2); // lsnwait.timeout of the read pools
  private static final Duration RECOVERY = Duration.ofSeconds(30); // each fault's conditions, at most
  private static final Duration RUN_LIMIT = Duration.ofSeconds(150); // workers stop at the latest then
  private static final int FOUND_PER_PHASE = 8; // reads found per topology after each fault before the next
  private static final int MINIMUM_FOUND = 150; // per topology over the run: it cannot pass vacuously
  private static final int ROUNDS = 2; // of the whole fault sequence

  enum Topology { DIRECT_A, BALANCER, PGBOUNCER, ROUTING }

  enum Mode { AUTO_COMMIT, READ_COMMITTED_TX, REPEATABLE_READ_TX }

  /** What one topology's reads came to. */
  static final class Tally {
    final LongAdder reads = new LongAdder();
    final LongAdder found = new LongAdder();
    final LongAdder stale = new LongAdder();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    final Map<String, String> samples = new ConcurrentHashMap<>(); // the first message of each kind

    void error(String kind, Exception e) {
      errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
      String message = String.valueOf(e.getMessage()).replace('\n', ' ');
      samples.putIfAbsent(kind, message.length() > 200 ? message.substring(0, 200) + "..." : message);
    }

    long errorCount() {
      return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }
  }

  private final Map<Topology, Tally> tallies = new EnumMap<>(Topology.class);
  private final Tally writes = new Tally(); // inserts on the primary (reads = attempts, found = committed)
  private final Tally tokens = new Tally(); // LsnContext.current() after a committed insert
  private final Map<String, LongAdder> errorsByPhase = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> staleReads = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> unexplained = new ConcurrentLinkedQueue<>();
  private final AtomicInteger emptyTokens = new AtomicInteger();
  private volatile String phase = "set-up";
  private final long started = System.nanoTime();

  @Test
  void noStaleReadAndOnlyExplainedErrorsUnderFaults() throws Exception {
    PgCluster own = null;
    RoutingProxy balancer = null;
    PgBouncer bouncer = null;
    PgServer a = null;
    PgServer b = null;
    List<HikariDataSource> pools = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(WORKERS);
    AtomicBoolean stop = new AtomicBoolean();
    List<Future<?>> workers = new ArrayList<>();
    try {
      own = PgCluster.start(Duration.ZERO, false);
      a = own.replica();
      b = own.addStandby(Duration.ofMillis(100));
      PgCluster.execute(own.primary(), "CREATE TABLE " + TABLE + " (id int PRIMARY KEY, note text)");
      own.awaitCaughtUp(a, PATIENCE);
      own.awaitCaughtUp(b, PATIENCE);
      balancer = new RoutingProxy(a, b);

      Map<Topology, HikariDataSource> readers = new EnumMap<>(Topology.class);
      HikariDataSource primary = track(pools, hikari("primary", own.primary().lsnwaitUrl(), Map.of()));
      Map<String, String> timeout = Map.of("lsnwait.timeout", READ_TIMEOUT.toMillis() + "ms");
      readers.put(Topology.DIRECT_A, track(pools, hikari("direct-a", a.lsnwaitUrl(), timeout)));
      readers.put(Topology.BALANCER, track(pools, hikari("balancer", balancer.lsnwaitUrl(), timeout)));
      if (PgBouncer.isInstalled()) {
        bouncer = PgBouncer.transactionPooling(balancer.port(), WORKERS);
        readers.put(Topology.PGBOUNCER, track(pools, hikari("pgbouncer", bouncer.lsnwaitUrl(), timeout)));
      } else {
        System.out.println("FaultRunIT: topology PGBOUNCER skipped: needs pgbouncer (apt-get install pgbouncer)");
      }
      readers.put(Topology.ROUTING, track(pools, hikari("routing", own.routingUrl(), timeout)));
      readers.keySet().forEach(t -> tallies.put(t, new Tally()));
      List<Topology> topologies = List.copyOf(readers.keySet());

      AtomicInteger ids = new AtomicInteger();
      Deadline runLimit = Deadline.after(RUN_LIMIT);
      for (int w = 0; w < WORKERS; w++) {
        workers.add(threads.submit(() -> {
          while (!stop.get() && !runLimit.passed()) {
            round(primary, readers, topologies, ids.incrementAndGet());
          }
          return null;
        }));
      }

      PgServer standbyA = a;
      PgServer standbyB = b;
      PgCluster cluster = own;
      phase("warm-up", () -> { }, topologies);
      for (int round = 1; round <= ROUNDS; round++) {
        String r = "round " + round + ": ";
        phase(r + "backend crash on A", standbyA::crashBackend, topologies);
        phase(r + "backend crash on B", standbyB::crashBackend, topologies);

        phase(r + "replay paused on B", () -> {
          cluster.pauseReplay(standbyB);
          try {
            // Readers meet B behind: they wait on its tracker; held past their timeout, so some of them give up.
            Deadline.await(RECOVERY, "a reader to wait for B", () -> LsnWaitDriver.trackers().stream()
                .anyMatch(t -> t.name().endsWith(":" + standbyB.port()) && t.stats().waiters() > 0));
            Deadline hold = Deadline.after(READ_TIMEOUT.plusMillis(500));
            while (!hold.passed()) {
              Thread.sleep(50);
            }
          } finally {
            cluster.resumeReplay(standbyB);
          }
        }, topologies);

        phase(r + "primary restarted (immediate)", () -> cluster.restart(cluster.primary(), "immediate"), topologies);

        phase(r + "position connections terminated", () -> {
          Deadline hold = Deadline.after(Duration.ofSeconds(2));
          Deadline limit = Deadline.after(RECOVERY);
          int terminated = 0;
          while (!hold.passed() || terminated == 0) {
            limit.checkOrFail("a position connection to terminate");
            terminated += (int) PgCluster.queryLong(cluster.primary(), "SELECT count(pg_terminate_backend(pid))"
                + " FROM pg_stat_activity WHERE application_name = 'lsnwait position'");
            Thread.sleep(100);
          }
          System.out.println("FaultRunIT: position connections terminated: " + terminated);
        }, topologies);

        phase(r + "B promoted: split brain", () -> {
          cluster.promote(standbyB);
          // The old primary is not fenced: it goes on taking writes for a while, some read back through B.
          long writesBefore = writes.found.sum();
          Deadline hold = Deadline.after(Duration.ofMillis(1500));
          Deadline.await(RECOVERY, "writes on the old primary after B's promotion",
              () -> hold.passed() && writes.found.sum() > writesBefore + 20);
        }, Set.of()); // no progress condition between the promotion and the rebuild
        phase(r + "B rebuilt as a standby", () -> cluster.rebuild(standbyB, Duration.ofMillis(100)), topologies);

        phase(r + "A frozen", () -> {
          standbyA.freeze();
          try {
            Deadline hold = Deadline.after(Duration.ofSeconds(1));
            while (!hold.passed()) {
              Thread.sleep(50);
            }
          } finally {
            standbyA.thaw();
          }
        }, topologies);
      }

      phase("after the faults", () -> { }, topologies);
    } finally {
      if (a != null) {
        a.thaw();
      }
      if (b != null) {
        b.thaw();
      }
      stop.set(true);
      for (Future<?> worker : workers) {
        try {
          worker.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          unexplained.add("worker ended with " + e);
        }
      }
      threads.shutdownNow();
      threads.awaitTermination(10, TimeUnit.SECONDS);
      for (HikariDataSource pool : pools) {
        pool.close();
      }
      closeAll(bouncer, balancer, own);
      LsnContext.clear();
    }

    System.out.println(summary());
    assertEquals(0, emptyTokens.get(), "committed inserts that gave an empty token");
    for (Map.Entry<Topology, Tally> entry : tallies.entrySet()) {
      assertEquals(0, entry.getValue().stale.sum(), entry.getKey() + ": stale reads: " + staleReads);
    }
    assertTrue(unexplained.isEmpty(), "unexplained errors:\n" + String.join("\n", unexplained));
    for (Map.Entry<Topology, Tally> entry : tallies.entrySet()) {
      assertTrue(entry.getValue().found.sum() >= MINIMUM_FOUND,
          entry.getKey() + ": too few successful reads for the run to mean anything: " + entry.getValue().found);
    }
  }

  private interface Fault {
    void inject() throws Exception;
  }

  /**
   * Injects a fault, then waits until every topology in {@code mustRecover} found {@code FOUND_PER_PHASE} more of
   * its writes: the run never goes on by time alone, and a topology that does not come back fails it.
   */
  private void phase(String name, Fault fault, Iterable<Topology> mustRecover) throws Exception {
    phase = name;
    long at = System.nanoTime();
    System.out.printf("FaultRunIT: %6.1f s  %s%n", (at - started) / 1e9, name);
    fault.inject();
    Map<Topology, Long> before = new EnumMap<>(Topology.class);
    tallies.forEach((t, tally) -> before.put(t, tally.found.sum()));
    for (Topology topology : mustRecover) {
      Tally tally = tallies.get(topology);
      Deadline.await(RECOVERY, topology + " to find " + FOUND_PER_PHASE + " more writes after '" + name + "'\n"
          + summary(), () -> tally.found.sum() >= before.get(topology) + FOUND_PER_PHASE);
    }
  }

  /** One write on the primary, read back through one topology in one mode. */
  private void round(HikariDataSource primary, Map<Topology, HikariDataSource> readers, List<Topology> topologies,
      int id) {
    Topology topology = topologies.get(Math.floorMod(id, topologies.size()));
    Mode mode = Mode.values()[Math.floorMod(id / topologies.size(), Mode.values().length)];
    String when = phase;
    LsnContext.clear();
    writes.reads.increment();
    try {
      insert(primary, TABLE, id);
      writes.found.increment();
    } catch (Exception e) {
      record(writes, "write", when, e); // its outcome is unknown: no read
      return;
    }
    LsnToken token;
    try {
      token = LsnContext.current();
    } catch (Exception e) {
      record(tokens, "token", when, e);
      return;
    } finally {
      LsnContext.clear();
    }
    if (token.isEmpty()) {
      emptyTokens.incrementAndGet();
      unexplained.add("[" + when + "] committed insert " + id + " gave an empty token");
      return;
    }
    Tally tally = tallies.get(topology);
    tally.reads.increment();
    try (LsnContext.Scope scope = LsnContext.open(token); Connection c = readers.get(topology).getConnection()) {
      c.setReadOnly(true);
      if (mode != Mode.AUTO_COMMIT) {
        c.setAutoCommit(false);
        c.setTransactionIsolation(mode == Mode.REPEATABLE_READ_TX
            ? Connection.TRANSACTION_REPEATABLE_READ : Connection.TRANSACTION_READ_COMMITTED);
      }
      long count;
      String port;
      try (Statement s = c.createStatement();
          ResultSet row = s.executeQuery("SELECT count(*), current_setting('port') FROM " + TABLE
              + " WHERE id = " + id)) {
        row.next();
        count = row.getLong(1);
        port = row.getString(2);
      }
      if (mode != Mode.AUTO_COMMIT) {
        c.commit();
      }
      if (count == 1) {
        tally.found.increment();
      } else {
        tally.stale.increment();
        staleReads.add(String.format("[%s] %s %s: row %d not found on port %s, token %s, %.1f s", when, topology,
            mode, id, port, token, (System.nanoTime() - started) / 1e9));
      }
    } catch (Exception e) {
      record(tally, topology + " " + mode, when, e);
    }
  }

  /** Counts an error by kind, and keeps it as unexplained unless the faults explain it. */
  private void record(Tally tally, String where, String when, Exception e) {
    String kind = kind(e);
    tally.error(kind, e);
    errorsByPhase.computeIfAbsent(when + " | " + where.split(" ")[0] + " | " + kind, k -> new LongAdder())
        .increment();
    if (!explained(e)) {
      unexplained.add("[" + when + "] " + where + ": " + kind + ": " + e.getMessage()
          + (e.getCause() != null ? " (cause: " + e.getCause() + ")" : ""));
    }
  }

  private static String kind(Exception e) {
    String state = e instanceof SQLException sql ? sql.getSQLState() : null;
    return (state == null ? "-----" : state) + " " + e.getClass().getSimpleName();
  }

  /**
   * Connection errors while servers crash, restart, are rebuilt or hang; lsnwait saying it cannot make the read
   * consistent in time. Not 25006 (a read-only violation) nor anything else.
   */
  static boolean explained(Exception e) {
    if (!(e instanceof SQLException sql) || sql.getSQLState() == null) {
      return false;
    }
    String state = sql.getSQLState();
    if (state.startsWith("08") || Set.of("57P01", "57P02", "57P03").contains(state)) {
      return true;
    }
    return state.equals("57014") && (e instanceof ReplicationTimeoutException // incl. promoted, pinned
        || e instanceof ReplicaPromotedException || e instanceof PinnedReplicaTimeoutException
        || e instanceof PositionUnavailableException);
  }

  private String summary() {
    StringBuilder text = new StringBuilder(String.format("%nFaultRunIT summary (%.1f s)%n", (System.nanoTime()
        - started) / 1e9));
    text.append(String.format("%-10s %7s %7s %6s %7s  %s%n", "topology", "reads", "found", "stale", "errors",
        "errors by kind"));
    tallies.forEach((t, tally) -> text.append(row(t.name(), tally)));
    text.append(row("(writes)", writes));
    text.append(row("(tokens)", tokens));
    text.append("a message of each kind:\n");
    Map<String, String> samples = new TreeMap<>();
    tallies.values().forEach(t -> samples.putAll(t.samples));
    samples.putAll(writes.samples);
    samples.putAll(tokens.samples);
    samples.forEach((k, v) -> text.append("  ").append(k).append(": ").append(v).append('\n'));
    text.append("errors by phase | where | kind:\n");
    new TreeMap<>(errorsByPhase).forEach((k, v) -> text.append("  ").append(k).append(": ").append(v).append('\n'));
    if (!staleReads.isEmpty()) {
      text.append("stale reads:\n");
      staleReads.stream().limit(20).forEach(s -> text.append("  ").append(s).append('\n'));
    }
    if (!unexplained.isEmpty()) {
      text.append("unexplained errors:\n");
      unexplained.stream().limit(20).forEach(s -> text.append("  ").append(s).append('\n'));
    }
    return text.toString();
  }

  private static String row(String name, Tally tally) {
    return String.format("%-10s %7d %7d %6d %7d  %s%n", name, tally.reads.sum(), tally.found.sum(), tally.stale.sum(),
        tally.errorCount(), new TreeMap<>(tally.errors));
  }

  private static HikariDataSource track(List<HikariDataSource> pools, HikariDataSource pool) {
    pools.add(pool);
    return pool;
  }

  private static HikariDataSource hikari(String name, String url, Map<String, String> properties) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setMaximumPoolSize(WORKERS);
    config.setPoolName("fault-run-" + name);
    config.setConnectionTimeout(5_000);
    config.setValidationTimeout(3_000);
    properties.forEach(config::addDataSourceProperty);
    return new HikariDataSource(config);
  }
}

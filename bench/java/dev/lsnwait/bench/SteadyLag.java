package dev.lsnwait.bench;

import dev.lsnwait.Lsn;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replica that stays about D behind a primary that keeps being written to (a background writer, through plain
 * pgjdbc), the primary's latest position as it moves (sampled every millisecond), and the replica's load: its count
 * of poll queries (pg_stat_statements) and the CPU time of its processes (from /proc).
 */
final class SteadyLag implements AutoCloseable {

  static final String POLLS_ON_REPLICA = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
      + " WHERE query LIKE '%pg_last_wal_replay_lsn()::text%' OR query LIKE 'WAIT FOR LSN%'";

  private final PgCluster cluster;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong latest = new AtomicLong();
  private final Thread writer;
  private final Thread sampler;

  SteadyLag(PgCluster cluster, Duration delay, int writesPerSecond) throws Exception {
    this.cluster = cluster;
    WriteBench.createAccounts(cluster);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    cluster.setReplayDelay(delay);
    writer = daemon("steady-writer", () -> {
      try (Connection c = cluster.primary().connect(); Statement s = c.createStatement()) {
        long pause = 1_000_000_000L / writesPerSecond;
        while (!stop.get()) {
          long start = System.nanoTime();
          s.executeUpdate("UPDATE bench_accounts SET balance = balance + 1 WHERE id = "
              + ThreadLocalRandom.current().nextInt(1, WriteBench.ROWS + 1));
          long left = pause - (System.nanoTime() - start);
          if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
          }
        }
      }
      return null;
    });
    sampler = daemon("steady-sampler", () -> {
      try (Connection c = cluster.primary().connect(); Statement s = c.createStatement()) {
        while (!stop.get()) {
          try (ResultSet row = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text, 1 AS sampled")) {
            row.next();
            latest.set(Lsn.parse(row.getString(1)).normalize(8192, 16 << 20).asLong());
          }
          Thread.sleep(1);
        }
      }
      return null;
    });
    while (latest.get() == 0) {
      Thread.sleep(1);
    }
  }

  /** The primary's position a millisecond ago or less. */
  long latest() {
    return latest.get();
  }

  long pollsOnReplica() {
    return PgCluster.queryLong(cluster.replica(), POLLS_ON_REPLICA);
  }

  /** CPU seconds used so far by the replica's postmaster and its processes (user and system). */
  double replicaCpuSeconds() throws IOException {
    return cpuSeconds(cluster.replica());
  }

  static double cpuSeconds(PgServer server) throws IOException {
    long postmaster =
        Long.parseLong(Files.readAllLines(server.dataDirectory().resolve("postmaster.pid")).get(0).trim());
    long ticks = 0;
    try (var processes = Files.list(Paths.get("/proc"))) {
      for (Path process : (Iterable<Path>) processes::iterator) {
        String name = process.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String[] fields;
        try {
          String stat = Files.readString(process.resolve("stat"));
          fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
          continue; // ended meanwhile
        }
        long pid = Long.parseLong(name);
        long parent = Long.parseLong(fields[1]);
        if (pid == postmaster || parent == postmaster) {
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        }
      }
    }
    return ticks / 100.0; // USER_HZ
  }

  private Thread daemon(String name, java.util.concurrent.Callable<Void> task) {
    Thread thread = new Thread(() -> {
      try {
        task.call();
      } catch (Exception e) {
        if (!stop.get()) {
          e.printStackTrace();
        }
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  @Override
  public void close() throws Exception {
    stop.set(true);
    writer.join(5000);
    sampler.join(5000);
    cluster.setReplayDelay(Duration.ZERO);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
  }
}

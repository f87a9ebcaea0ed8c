package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The write path: plain pgjdbc, lsnwait, and the naive design (one {@code SELECT pg_current_wal_insert_lsn()} after
 * each commit), on a single-row UPDATE in auto-commit and a three-statement explicit transaction.
 */
final class WriteBench {

  static final int ROWS = 1000;

  private final PgCluster cluster;
  private final Bench.Options options;

  WriteBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  static void createAccounts(PgCluster cluster) {
    PgCluster.execute(cluster.primary(), "DROP TABLE IF EXISTS bench_accounts");
    PgCluster.execute(cluster.primary(), "CREATE TABLE bench_accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
    PgCluster.execute(
        cluster.primary(), "INSERT INTO bench_accounts SELECT i, 0 FROM generate_series(1, " + ROWS + ") i");
    PgCluster.execute(cluster.primary(), "VACUUM ANALYZE bench_accounts");
  }

  void run() throws Exception {
    createAccounts(cluster);
    System.out.printf("%n== write path: %d threads ==%n", options.threads);
    try (HikariDataSource plain = Pools.pool(cluster.primary().jdbcUrl(), options.threads);
        HikariDataSource lsnwait = Pools.pool(cluster.primary().lsnwaitUrl(), options.threads)) {
      for (boolean transaction : new boolean[] {false, true}) {
        String workload = transaction ? "three-statement transaction" : "single-row UPDATE, auto-commit";
        System.out.println("  " + workload);
        Map<String, Throughput.Figures> tps =
            new Throughput()
                .variant("plain pgjdbc", () -> new Writer(plain, transaction, false))
                .variant("lsnwait", () -> new Writer(lsnwait, transaction, false))
                .variant("naive: SELECT LSN per commit", () -> new Writer(plain, transaction, true))
                .run(options.reps, options.seconds, options.threads);
        System.out.printf("  %s — medians (ratio: median of per-repetition ratios to plain pgjdbc):%n", workload);
        Throughput.print("tx/s", tps);
      }
      String workload = "per operation: borrow, prepare, execute, close (auto-commit UPDATE)";
      System.out.println("  " + workload);
      Map<String, Throughput.Figures> tps =
          new Throughput()
              .variant("plain pgjdbc", () -> new PerOperation(plain))
              .variant("lsnwait", () -> new PerOperation(lsnwait))
              .run(options.reps, options.seconds, options.threads);
      System.out.printf("  %s — medians (ratio: median of per-repetition ratios to plain pgjdbc):%n", workload);
      Throughput.print("tx/s", tps);
      sideBySide(plain, lsnwait);
    }
  }

  /**
   * The same three workloads with plain pgjdbc and lsnwait running at the same time, half the threads each: both
   * meet the same server, checkpoints and scheduling, so the ratio is much steadier than between rounds.
   */
  private void sideBySide(HikariDataSource plain, HikariDataSource lsnwait) throws Exception {
    int half = Math.max(1, options.threads / 2);
    for (Workload workload : Workload.values()) {
      System.out.printf("  side by side, %d threads each: %s%n", half, workload.title);
      Map<String, Throughput.Figures> tps = new Throughput()
          .variant("plain pgjdbc", () -> workload.worker(plain))
          .variant("lsnwait", () -> workload.worker(lsnwait))
          .runSideBySide(options.reps, options.seconds, half);
      System.out.printf("  side by side, %s — medians:%n", workload.title);
      Throughput.print("tx/s", tps);
    }
  }

  /** The write path's workloads. */
  private enum Workload {
    HELD_AUTO_COMMIT("held auto-commit UPDATE"),
    HELD_TRANSACTION("held three-statement transaction"),
    PER_OPERATION("per operation: borrow, prepare, execute, close");

    final String title;

    Workload(String title) {
      this.title = title;
    }

    Throughput.Worker worker(HikariDataSource pool) throws Exception {
      return switch (this) {
        case HELD_AUTO_COMMIT -> new Writer(pool, false, false);
        case HELD_TRANSACTION -> new Writer(pool, true, false);
        case PER_OPERATION -> new PerOperation(pool);
      };
    }
  }

  /** The pattern most applications use: every operation borrows a connection, prepares, executes, closes. */
  private static final class PerOperation implements Throughput.Worker {
    private final HikariDataSource pool;

    PerOperation(HikariDataSource pool) {
      LsnContext.clear();
      this.pool = pool;
    }

    @Override
    public void once() throws Exception {
      try (Connection connection = pool.getConnection();
          PreparedStatement update =
              connection.prepareStatement("UPDATE bench_accounts SET balance = balance + ? WHERE id = ?")) {
        update.setInt(1, 1);
        update.setInt(2, ThreadLocalRandom.current().nextInt(1, ROWS + 1));
        update.executeUpdate();
      }
      LsnContext.clear(); // a request ends: its context goes (as the servlet filter does)
    }
  }

  /** One thread's connection and statements. */
  private static final class Writer implements Throughput.Worker {
    private final Connection connection;
    private final boolean transaction;
    private final boolean naive;
    private final PreparedStatement update;
    private final PreparedStatement read;
    private final Statement lsn;

    Writer(HikariDataSource pool, boolean transaction, boolean naive) throws Exception {
      LsnContext.clear();
      this.connection = pool.getConnection();
      this.transaction = transaction;
      this.naive = naive;
      this.update = connection.prepareStatement("UPDATE bench_accounts SET balance = balance + ? WHERE id = ?");
      this.read = connection.prepareStatement("SELECT balance FROM bench_accounts WHERE id = ?");
      this.lsn = connection.createStatement();
      connection.setAutoCommit(!transaction);
    }

    @Override
    public void once() throws Exception {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int from = random.nextInt(1, ROWS + 1);
      if (transaction) {
        int to = random.nextInt(1, ROWS + 1);
        update(from < to ? -1 : 1, Math.min(from, to)); // rows in ascending order: no deadlocks between threads
        update(from < to ? 1 : -1, Math.max(from, to));
        read.setInt(1, from);
        try (ResultSet row = read.executeQuery()) {
          row.next();
        }
        connection.commit();
      } else {
        update(1, from);
      }
      if (naive) {
        try (ResultSet row = lsn.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
          row.next();
        }
        if (transaction) {
          connection.commit();
        }
      }
    }

    private void update(int amount, int id) throws Exception {
      update.setInt(1, amount);
      update.setInt(2, id);
      update.executeUpdate();
    }

    @Override
    public void close() throws Exception {
      connection.setAutoCommit(true);
      connection.close();
    }
  }
}

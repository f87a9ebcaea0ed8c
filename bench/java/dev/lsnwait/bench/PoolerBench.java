package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.testkit.PgBouncer;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What checking a read in its own transaction costs behind a transaction pooler: reads that carry a token the
 * standby has already replayed, through a real PgBouncer in transaction mode in front of the standby, with
 * {@code lsnwait.pooler=transaction} (each read's transaction asks its server), {@code none} (the cached check, as on
 * a direct connection), and plain pgjdbc; in auto-commit and as two-statement read-only transactions.
 */
final class PoolerBench {

  private final PgCluster cluster;
  private final Bench.Options options;

  PoolerBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    if (!PgBouncer.isInstalled()) {
      System.out.println("\n== pooler: skipped, no pgbouncer (apt-get install pgbouncer) ==");
      return;
    }
    WriteBench.createAccounts(cluster);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    try (PgBouncer bouncer = PgBouncer.transactionPooling(cluster.replica().port(), options.threads);
        HikariDataSource primary = Pools.pool(cluster.primary().lsnwaitUrl(), 1)) {
      try (Connection c = primary.getConnection(); PreparedStatement write = c.prepareStatement(
          "UPDATE bench_accounts SET balance = balance + 1 WHERE id = 1")) {
        write.executeUpdate();
      }
      LsnToken token = LsnContext.current(); // replayed by the time the reads run: every read checks, none waits
      LsnContext.clear();
      cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
      String lsnwait = bouncer.lsnwaitUrl() + "&lsnwait.pooler=";
      for (boolean transactions : new boolean[] {false, true}) {
        System.out.printf("%n== pooler: reads with a replayed token through PgBouncer (transaction mode), %s; "
            + "%d threads, %d s x %d reps ==%n", transactions ? "2-statement transactions" : "auto-commit",
            options.threads, options.seconds, options.reps);
        try (HikariDataSource plain = Pools.pool(bouncer.jdbcUrl(), options.threads);
            HikariDataSource none = Pools.pool(lsnwait + "none", options.threads);
            HikariDataSource checked = Pools.pool(lsnwait + "transaction", options.threads)) {
          Map<String, Throughput.Figures> figures = new Throughput()
              .variant("plain pgjdbc", () -> reader(plain, null, transactions))
              .variant("lsnwait, pooler=none", () -> reader(none, token, transactions))
              .variant("lsnwait, pooler=transaction", () -> reader(checked, token, transactions))
              .run(options.reps, options.seconds, options.threads);
          Throughput.print(transactions ? "txns/s" : "reads/s", figures);
        }
      }
    }
  }

  private static Throughput.Worker reader(HikariDataSource pool, LsnToken token, boolean transactions)
      throws Exception {
    Connection connection = pool.getConnection();
    connection.setAutoCommit(!transactions);
    connection.setReadOnly(transactions);
    PreparedStatement read = connection.prepareStatement("SELECT balance FROM bench_accounts WHERE id = ?");
    return new Throughput.Worker() {
      @Override
      public void once() throws Exception {
        if (token != null) {
          LsnContext.set(token);
        }
        for (int i = 0; i < (transactions ? 2 : 1); i++) {
          read.setInt(1, ThreadLocalRandom.current().nextInt(1, WriteBench.ROWS + 1));
          try (ResultSet row = read.executeQuery()) {
            row.next();
          }
        }
        if (transactions) {
          connection.commit();
        }
      }

      @Override
      public void close() throws Exception {
        LsnContext.clear();
        read.close();
        connection.close();
      }
    };
  }
}

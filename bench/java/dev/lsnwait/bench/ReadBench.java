package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** The replica read fast path: every read carries a token the replica has already replayed. */
final class ReadBench {

  private final PgCluster cluster;
  private final Bench.Options options;

  ReadBench(PgCluster cluster, Bench.Options options) {
    this.cluster = cluster;
    this.options = options;
  }

  void run() throws Exception {
    WriteBench.createAccounts(cluster);
    cluster.awaitReplicaCaughtUp(Duration.ofSeconds(60));
    LsnToken replayed = LsnToken.of(cluster.systemIdentifier(), cluster.replayedOnReplica());
    System.out.printf("%n== replica read fast path (token %s already replayed): %d threads ==%n", replayed,
        options.threads);
    try (HikariDataSource plain = Pools.pool(cluster.replica().jdbcUrl(), options.threads);
        HikariDataSource lsnwait = Pools.pool(cluster.replica().lsnwaitUrl(), options.threads)) {
      Map<String, Throughput.Figures> rates =
          new Throughput()
              .variant("plain pgjdbc", () -> new Reader(plain, LsnToken.EMPTY))
              .variant("lsnwait, token replayed", () -> new Reader(lsnwait, replayed))
              .run(options.reps, options.seconds, options.threads);
      System.out.println("  medians (ratio: median of per-repetition ratios to plain pgjdbc):");
      Throughput.print("reads/s", rates);
    }
  }

  /** One thread's connection: point reads by primary key. */
  private static final class Reader implements Throughput.Worker {
    private final Connection connection;
    private final PreparedStatement read;

    Reader(HikariDataSource pool, LsnToken token) throws Exception {
      LsnContext.set(token);
      this.connection = pool.getConnection();
      this.read = connection.prepareStatement("SELECT balance FROM bench_accounts WHERE id = ?");
    }

    @Override
    public void once() throws Exception {
      read.setInt(1, ThreadLocalRandom.current().nextInt(1, WriteBench.ROWS + 1));
      try (ResultSet row = read.executeQuery()) {
        row.next();
      }
    }

    @Override
    public void close() throws Exception {
      connection.close();
      LsnContext.clear();
    }
  }

}

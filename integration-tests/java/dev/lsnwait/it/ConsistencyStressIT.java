package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many threads mix writes, token hand-offs and reads over a lagging replica. An independent checker, which knows
 * nothing of LSNs, holds what each thread must see: the version each of its writes returned (UPDATE ... RETURNING
 * on the primary), and the knowledge handed over with a token. Every read must see at least that version.
 */
class ConsistencyStressIT extends ClusterTest {

  private static final int KEYS = 64;
  private static final int THREADS = 8;
  private static final int OPERATIONS = 100_000;

  @AfterEach
  void noDelay() {
    cluster.setReplayDelay(Duration.ZERO);
    cluster.awaitReplicaCaughtUp(PATIENCE);
  }

  /** A token handed from one thread to another, with what its giver knew. */
  private record HandOff(LsnToken token, long[] known) {}

  @Test
  void everyReadSeesEverythingThatHappenedBeforeIt() throws Exception {
    prepare();
    HikariDataSource primary = pool(cluster.primary(), Map.of());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "30s"));
    Counts counts = run(primary, replica, OPERATIONS);
    assertTrue(counts.reads() > 50_000 && counts.handOffs() > 5_000, counts.toString());
    assertEquals(0, counts.violations(), "reads that missed a write that happened before them: " + counts);
  }

  @Test
  void theCheckerCatchesViolationsOfPlainPgjdbc() throws Exception {
    prepare();
    Counts counts = run(plainPool(cluster.primary()), plainPool(cluster.replica()), 5_000);
    assertTrue(counts.violations() > 0, "the same workload through plain pgjdbc reads stale data: " + counts);
  }

  private void prepare() {
    PgCluster.execute(cluster.primary(), "DROP TABLE IF EXISTS stress_kv");
    PgCluster.execute(cluster.primary(), "CREATE TABLE stress_kv (id int PRIMARY KEY, version bigint NOT NULL)");
    PgCluster.execute(cluster.primary(),
        "INSERT INTO stress_kv SELECT i, 0 FROM generate_series(0, " + (KEYS - 1) + ") i");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    cluster.setReplayDelay(Duration.ofMillis(2));
  }

  private record Counts(long reads, long handOffs, long violations) {}

  private Counts run(HikariDataSource primary, HikariDataSource replica, int totalOperations) throws Exception {
    primary.setMaximumPoolSize(THREADS);
    replica.setMaximumPoolSize(THREADS);

    ConcurrentLinkedQueue<HandOff> mailbox = new ConcurrentLinkedQueue<>();
    AtomicLong operations = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    AtomicLong handOffs = new AtomicLong();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    closeLater(threads::shutdownNow);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      workers.add(threads.submit(() -> {
        LsnContext.clear();
        long[] known = new long[KEYS]; // the checker's state for this thread: versions it must see
        try (Connection writer = primary.getConnection();
            Connection reader = replica.getConnection();
            PreparedStatement update = writer.prepareStatement(
                "UPDATE stress_kv SET version = version + 1 WHERE id = ? RETURNING version");
            PreparedStatement read = reader.prepareStatement("SELECT version FROM stress_kv WHERE id = ?")) {
          while (operations.incrementAndGet() <= totalOperations) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int key = random.nextInt(KEYS);
            int dice = random.nextInt(100);
            if (dice < 30) {
              update.setInt(1, key);
              try (ResultSet row = update.executeQuery()) {
                row.next();
                known[key] = Math.max(known[key], row.getLong(1));
              }
            } else if (dice < 40) {
              HandOff received = mailbox.poll();
              if (received != null) {
                LsnContext.merge(received.token());
                for (int k = 0; k < KEYS; k++) {
                  known[k] = Math.max(known[k], received.known()[k]);
                }
              }
              mailbox.add(new HandOff(LsnContext.current(), known.clone()));
              handOffs.incrementAndGet();
            } else {
              read.setInt(1, key);
              try (ResultSet row = read.executeQuery()) {
                row.next();
                if (row.getLong(1) < known[key]) {
                  violations.incrementAndGet();
                }
              }
              reads.incrementAndGet();
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> worker : workers) {
      worker.get(10, TimeUnit.MINUTES);
    }
    return new Counts(reads.get(), handOffs.get(), violations.get());
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.LsnWaitListener;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared set-up of the placement tests: a cluster of the test class's own (a primary and one standby, whose lag the
 * tests set on purpose, and whose tracker's forecast no other class taught), the {@code placed} table of
 * {@link PlacedRead}, routing pools with a given {@code replicaWait}, and where the test thread's read-only work went.
 */
abstract class OwnStandbyTest extends ClusterTest {

  static PgCluster own;
  static PgServer standby;

  private final Thread testThread = Thread.currentThread();
  /** "target/reason" of each placement of the test thread's read-only work, as the routing meter names them. */
  final List<String> placements = new CopyOnWriteArrayList<>();
  private final LsnWaitListener listener = new LsnWaitListener() {
    @Override
    public void routed(String target, String reason) {
      if (Thread.currentThread() == testThread) {
        placements.add(target + "/" + reason);
      }
    }
  };

  @BeforeAll
  static void startOwnCluster() {
    own = PgCluster.start(Duration.ZERO, false);
    standby = own.replica();
    PgCluster.execute(own.primary(), "CREATE TABLE placed (id int PRIMARY KEY, note text)");
    own.awaitCaughtUp(standby, PATIENCE);
  }

  @AfterAll
  static void stopOwnCluster() {
    own.close();
  }

  @BeforeEach
  void listen() {
    own.resumeReplay(standby);
    LsnWaitDriver.addListener(listener);
  }

  @AfterEach
  void stopListening() {
    LsnWaitDriver.removeListener(listener);
    own.resumeReplay(standby);
  }

  /** Writes and reads back (never stale) until a read is {@code wanted}; the last reads seen if none is in time. */
  void warmUntil(HikariDataSource pool, String what, Predicate<PlacedRead> wanted) {
    List<PlacedRead> seen = new ArrayList<>();
    try {
      Deadline.await(PATIENCE, what, () -> {
        try {
          PlacedRead read = PlacedRead.of(pool, PlacedRead.write(pool));
          seen.add(read);
          assertEquals(1, read.count(), "never stale");
          return wanted.test(read);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the last reads: "
          + seen.subList(Math.max(0, seen.size() - 5), seen.size()), e);
    }
  }

  /** A pool of one-URL routing connections to the own primary and standby. */
  HikariDataSource pool(Duration replicaWait) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(own.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + standby.port()
        + "&lsnwait.replicaWait=" + replicaWait.toMillis() + "ms");
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    return closeLater(new HikariDataSource(config));
  }
}

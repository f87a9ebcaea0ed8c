package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Found by {@link FaultRunIT} (a stale read through PgBouncer, in a repeatable-read transaction, on the standby that
 * keeps up). Behind a transaction pooler, a repeatable-read read's check fixes the transaction's snapshot: the read
 * may run in it only if the server had replayed the token <em>before</em> the check began. What the tracker learns
 * while the check's answer is on its way (a poll of the same server) is later than the snapshot, and must not count.
 * Made deterministic here: the answer to the check is held back in the network until the tracker has seen the write
 * replayed.
 */
class RepeatableReadPinRaceIT extends ClusterTest {

  @Test
  void whatTheTrackerLearnsWhileTheCheckIsOnItsWayDoesNotLetAnOlderSnapshotRead() throws Exception {
    PgCluster own = ownCluster("rr_race");
    PgServer standby = own.replica();
    HikariDataSource primary = pool(own.primary());
    HoldingProxy proxy = closeLater(new HoldingProxy(standby.port()));
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    properties.setProperty("lsnwait.pooler", "transaction");
    properties.setProperty("lsnwait.timeout", "20s");
    Connection reader = closeLater(DriverManager.getConnection(
        "jdbc:lsnwait:postgresql://127.0.0.1:" + proxy.port() + "/postgres", properties));
    reader.setAutoCommit(false);
    reader.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);

    insert(primary, "rr_race", 1); // warm-up: the connection knows its server, the tracker exists
    LsnToken first = LsnContext.current();
    own.awaitCaughtUp(standby, PATIENCE);
    try (LsnContext.Scope scope = LsnContext.open(first)) {
      assertEquals(1L, count(reader, "rr_race", 1));
      reader.commit();
    }
    ReplicaTracker tracker = LsnWaitDriver.trackers().stream()
        .filter(t -> t.name().endsWith(":" + standby.port())).findFirst().orElseThrow();

    own.pauseReplay(standby);
    LsnContext.clear();
    insert(primary, "rr_race", 2);
    LsnToken token = LsnContext.current();
    LsnContext.clear();

    proxy.holdAnswers(true);
    ExecutorService threads = Executors.newSingleThreadExecutor();
    closeLater(threads::shutdownNow);
    Future<Long> read = threads.submit(() -> LsnContext.callWith(token, () -> {
      try {
        return count(reader, "rr_race", 2);
      } finally {
        reader.commit();
      }
    }));
    // The check ran on the standby (its snapshot is fixed, without row 2); its answer is held back.
    Deadline.await(PATIENCE, "lsnwait's check to have run in the reader's transaction",
        () -> PgCluster.queryLong(standby, "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
            + " AND query LIKE '%transaction_isolation%'") == 1);
    own.resumeReplay(standby);
    assertTrue(tracker.await(token.lsnFor(own.systemIdentifier()).orElseThrow(), Duration.ofSeconds(20)),
        "the tracker saw the write replayed");
    proxy.holdAnswers(false);

    assertEquals(1L, read.get(30, TimeUnit.SECONDS), "the read sees its write (not the snapshot of the check)");
  }

  /** A TCP proxy to one server that can hold back what the server sends, until told to let it through. */
  static final class HoldingProxy implements AutoCloseable {

    private final ServerSocketChannel server;
    private final int target;
    private final List<SocketChannel> channels = new CopyOnWriteArrayList<>();
    private volatile boolean hold;

    HoldingProxy(int target) throws IOException {
      this.target = target;
      server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      daemon(this::accept);
    }

    int port() throws IOException {
      return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    void holdAnswers(boolean on) {
      hold = on;
    }

    private void accept() {
      while (server.isOpen()) {
        try {
          SocketChannel client = server.accept();
          SocketChannel upstream = SocketChannel.open(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
          channels.add(client);
          channels.add(upstream);
          daemon(() -> pump(client, upstream, false));
          daemon(() -> pump(upstream, client, true));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void pump(SocketChannel from, SocketChannel to, boolean answers) {
      ByteBuffer buffer = ByteBuffer.allocate(65536);
      try {
        while (from.read(buffer) >= 0) {
          while (answers && hold) {
            Thread.sleep(5);
          }
          buffer.flip();
          while (buffer.hasRemaining()) {
            to.write(buffer);
          }
          buffer.clear();
        }
      } catch (IOException | InterruptedException e) {
        // closed
      } finally {
        close(from);
        close(to);
      }
    }

    private static void close(SocketChannel channel) {
      try {
        channel.close();
      } catch (IOException e) {
        // closing anyway
      }
    }

    private static void daemon(Runnable task) {
      Thread thread = new Thread(task, "holding-proxy");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      hold = false;
      server.close();
      channels.forEach(HoldingProxy::close);
    }
  }
}

package dev.lsnwait.internal.replica;

import dev.lsnwait.Lsn;
import dev.lsnwait.ReplicationTimeoutException;
import dev.lsnwait.internal.Settings;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The wait of {@code LsnWaitDataSource}, before a connection is borrowed: until one of the servers the pool's
 * connections reached has replayed the context's position. Which server the next connection reaches is not known
 * (behind a load-balanced address it may be any), so the connection still checks at statement time; this wait only
 * keeps waiting readers from holding pooled connections. When no tracker can answer, it lets the borrow go ahead.
 */
public final class BorrowGate {

  private final Set<Server> servers = ConcurrentHashMap.newKeySet();
  private volatile ReadGate settingsFrom;

  /** Learns the server of a connection the pool handed out. */
  public void learn(ReadGate gate) {
    settingsFrom = gate;
    Server server = gate.server();
    if (!server.isRetired()) {
      servers.add(server);
    }
  }

  /**
   * Waits until a known server has replayed what the context requires; returns at once when nothing is learned yet
   * or nothing is required.
   *
   * @throws ReplicationTimeoutException if none has by the timeout and {@code lsnwait.onTimeout=fail}
   */
  public void await() throws SQLException {
    ReadGate gate = settingsFrom;
    if (gate == null) {
      return;
    }
    servers.removeIf(Server::isRetired);
    long start = System.nanoTime();
    long deadline = start + gate.timeout().toNanos();
    for (Long cluster : clusters()) {
      Lsn required;
      try {
        required = ThreadContext.requiredLsn(cluster, deadline);
      } catch (SQLException e) {
        return; // the statement-time check meets it and decides
      }
      boolean proceed = gate.onTimeout() == Settings.OnTimeout.PROCEED;
      if (required == null || (proceed && ThreadContext.gaveUpOn(cluster, required))) {
        continue;
      }
      if (!awaitAny(cluster, required, deadline)) {
        if (!proceed) {
          Server first = first(cluster);
          throw new ReplicationTimeoutException(first.name(), required, first.tracker().lastReplay(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        ThreadContext.gaveUp(cluster, required); // the statement will not wait its whole timeout again
      }
    }
  }

  private List<Long> clusters() {
    List<Long> clusters = new ArrayList<>();
    for (Server server : servers) {
      if (!clusters.contains(server.systemIdentifier())) {
        clusters.add(server.systemIdentifier());
      }
    }
    return clusters;
  }

  private Server first(long cluster) {
    for (Server server : servers) {
      if (server.systemIdentifier() == cluster) {
        return server;
      }
    }
    throw new IllegalStateException("no server of cluster " + cluster);
  }

  /** False only if the deadline passed with none replayed; true also when no tracker can tell. */
  private boolean awaitAny(long cluster, Lsn required, long deadline) throws SQLException {
    List<CompletableFuture<Lsn>> waits = new ArrayList<>();
    for (Server server : servers) {
      if (server.systemIdentifier() == cluster) {
        ServerTracker tracker = server.tracker();
        if (tracker.isReplicated(required)) {
          return true;
        }
        waits.add(tracker.whenReplayed(required, deadline));
      }
    }
    CompletableFuture<Void> first = new CompletableFuture<>();
    AtomicInteger unanswered = new AtomicInteger(waits.size());
    for (CompletableFuture<Lsn> wait : waits) {
      wait.whenComplete((lsn, failure) -> {
        if (failure == null || unanswered.decrementAndGet() == 0) {
          first.complete(null); // replayed, or no tracker can tell: borrow
        }
      });
    }
    try {
      first.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLTransientException("lsnwait: interrupted while waiting before borrowing a replica connection",
          ReplicationTimeoutException.SQL_STATE, e);
    } catch (ExecutionException e) {
      return true;
    } finally {
      waits.forEach(wait -> wait.cancel(false));
    }
  }
}

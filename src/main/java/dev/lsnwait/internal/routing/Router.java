package dev.lsnwait.internal.routing;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitListener;
import dev.lsnwait.internal.primary.PrimaryPosition;
import dev.lsnwait.internal.proxy.ProxyConnection;
import dev.lsnwait.internal.replica.Requirement;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where read-only work runs: a replica that has already replayed what the thread requires (from the trackers'
 * cached positions, no round trip), spread over those that have; else, if waiting pays ({@link Placement}), the
 * first to replay it within {@code lsnwait.replicaWait}; else the primary. Never a replica that has not replayed it,
 * and never an error only because replicas lag.
 */
final class Router {

  private final Members members;
  private final long replicaWaitNanos;
  private final long positionTimeoutNanos;
  private final Placement placement;
  private int next = ThreadLocalRandom.current().nextInt(1 << 16); // spreads over caught-up replicas
  private Decision last = Decision.PRIMARY_READ_WRITE;

  /** Why the last choice went where it went (for tests, metrics and {@code toString}). */
  enum Decision {
    PRIMARY_READ_WRITE("primary", "read_write"),
    REPLICA_CAUGHT_UP("replica", "caught_up"),
    REPLICA_AFTER_WAIT("replica", "after_wait"),
    PRIMARY_NO_REPLICA("primary", "no_replica"),
    PRIMARY_REPLICAS_BEHIND("primary", "replicas_behind"),
    PRIMARY_FORECAST_BEHIND("primary", "forecast_behind"),
    PRIMARY_FELL_BACK("primary", "fell_back"),
    PRIMARY_POSITION_UNKNOWN("primary", "position_unknown"),
    PRIMARY_SESSION_OBJECTS("primary", "session_objects");

    final String target;
    final String reason;

    Decision(String target, String reason) {
      this.target = target;
      this.reason = reason;
    }
  }

  Router(Members members, Duration replicaWait, Duration positionTimeout) {
    this.members = members;
    this.replicaWaitNanos = replicaWait.toNanos();
    this.positionTimeoutNanos = positionTimeout.toNanos();
    this.placement = new Placement(replicaWait);
  }

  Decision lastDecision() {
    return last;
  }

  /** The member for read-only work now. */
  ProxyConnection forRead(SessionState state) throws SQLException {
    List<ProxyConnection> replicas = members.usableReplicas(state);
    if (replicas.isEmpty()) {
      return primary(Decision.PRIMARY_NO_REPLICA);
    }
    long cluster = members.systemIdentifier();
    Lsn required;
    try {
      required = Requirement.of(Requirement.levelFor(members.settings().consistency()), cluster,
          System.nanoTime() + positionTimeoutNanos, members.registry());
    } catch (SQLException e) {
      return primary(Decision.PRIMARY_POSITION_UNKNOWN); // the primary is never stale; it may also be down
    }
    ProxyConnection caughtUp = caughtUp(replicas, required);
    if (caughtUp != null) {
      decided(Decision.REPLICA_CAUGHT_UP);
      return presetFor(caughtUp, required);
    }
    if (replicaWaitNanos <= 0) {
      return primary(Decision.PRIMARY_REPLICAS_BEHIND);
    }
    PrimaryPosition primary = members.registry().primaryOf(cluster);
    if (primary != null) {
      primary.forecastsWanted(); // its history dates the position, and the replicas' lag, for the forecast
    }
    List<ServerTracker> behind = new ArrayList<>(replicas.size());
    for (ProxyConnection replica : replicas) {
      behind.add(tracker(replica));
    }
    Placement.Verdict verdict = placement.decide(behind, cluster, required);
    if (verdict != Placement.Verdict.WAIT) {
      return primary(verdict == Placement.Verdict.FELL_BACK
          ? Decision.PRIMARY_FELL_BACK : Decision.PRIMARY_FORECAST_BEHIND);
    }
    ProxyConnection first = firstToReplay(replicas, required);
    if (first != null) {
      return presetFor(first, required);
    }
    placement.fellBack(cluster, required); // the same unit of work will not wait for it again in vain
    return primary(Decision.PRIMARY_REPLICAS_BEHIND);
  }

  /**
   * One of the replicas that replayed {@code required} (all of them if nothing is required), taken in turn; null if
   * none has. The usual case, one replica, allocates nothing.
   */
  private ProxyConnection caughtUp(List<ProxyConnection> replicas, Lsn required) {
    if (replicas.size() == 1) {
      ProxyConnection only = replicas.get(0);
      return required == null || tracker(only).isReplicated(required) ? only : null;
    }
    List<ProxyConnection> caughtUp = new ArrayList<>(replicas.size());
    for (ProxyConnection replica : replicas) {
      if (required == null || tracker(replica).isReplicated(required)) {
        caughtUp.add(replica);
      }
    }
    return caughtUp.isEmpty() ? null : caughtUp.get(Math.floorMod(next++, caughtUp.size()));
  }

  /** The replica's gate takes what was worked out here for the next statement (the statement clears it). */
  private static ProxyConnection presetFor(ProxyConnection replica, Lsn required) {
    replica.readGate().preset(required);
    return replica;
  }

  /** Waits up to {@code replicaWait} for any replica to replay {@code required}; null if none did. */
  private ProxyConnection firstToReplay(List<ProxyConnection> replicas, Lsn required) throws SQLException {
    LsnWaitListener.WaitEnd heard = members.registry().listeners().waitStarted("any replica", required);
    List<CompletableFuture<Lsn>> replays = new ArrayList<>(replicas.size());
    long giveUpAt = System.nanoTime() + replicaWaitNanos;
    for (ProxyConnection replica : replicas) {
      replays.add(tracker(replica).whenReplayed(required, giveUpAt));
    }
    try {
      CompletableFuture.anyOf(replays.toArray(new CompletableFuture<?>[0]))
          .get(Math.max(0, giveUpAt - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // none in time, or the first to answer could not be tracked: look at them all below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      heard.ended(LsnWaitListener.Outcome.TIMED_OUT);
      throw new SQLException("lsnwait: interrupted while choosing a replica", "57014", e);
    } finally {
      for (CompletableFuture<Lsn> replay : replays) {
        replay.cancel(false); // a waiter nobody needs any more stops the tracker's polling
      }
    }
    for (ProxyConnection replica : replicas) {
      if (tracker(replica).isReplicated(required)) {
        heard.ended(LsnWaitListener.Outcome.REPLAYED);
        decided(Decision.REPLICA_AFTER_WAIT);
        return replica;
      }
    }
    heard.ended(LsnWaitListener.Outcome.PRIMARY);
    return null;
  }

  private ProxyConnection primary(Decision why) {
    decided(why);
    return members.primary();
  }

  private void decided(Decision decision) {
    last = decision;
    if (decision != Decision.PRIMARY_READ_WRITE) {
      members.registry().listeners().routed(decision.target, decision.reason);
    }
  }

  /** Read-only work of a session whose primary holds temporary tables or holdable cursors, or that may make them. */
  ProxyConnection forSessionObjects() {
    return primary(Decision.PRIMARY_SESSION_OBJECTS);
  }

  /** Read-write work: always the primary. */
  ProxyConnection forWrite() {
    return primary(Decision.PRIMARY_READ_WRITE);
  }

  private static ServerTracker tracker(ProxyConnection replica) {
    return replica.readGate().server().tracker();
  }
}

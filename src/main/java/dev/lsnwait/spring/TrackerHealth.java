package dev.lsnwait.spring;

import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaLag;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the health endpoint shows of the trackers, whatever Spring Boot's health API: per replica its replay position,
 * its lag as this JVM knows it, waiting reads, and whether lsnwait's own connections reach it. Asks no server.
 */
public final class TrackerHealth {

  private TrackerHealth() {}

  /** The replicas' details, by tracker name. */
  public static Map<String, Object> replicas() {
    Map<String, Object> replicas = new LinkedHashMap<>();
    for (ReplicaTracker tracker : LsnWaitDriver.trackers()) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("inRecovery", tracker.isInRecovery());
      details.put("replayed", tracker.lastReplay().toString());
      Optional<ReplicaLag> lag = LsnWaitDriver.lag(tracker);
      lag.ifPresent(known -> {
        details.put("lagBytes", known.bytes());
        if (known.time() != null) {
          details.put("lagMillis", known.time().toMillis());
        }
      });
      details.put("waiters", tracker.stats().waiters());
      details.put("reachable", !(tracker instanceof ServerTracker server && server.isUnreachable()));
      replicas.put(tracker.name(), details);
    }
    return replicas;
  }
}

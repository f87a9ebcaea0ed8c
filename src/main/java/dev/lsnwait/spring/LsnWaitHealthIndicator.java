package dev.lsnwait.spring;

import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaLag;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The replicas lsnwait tracks, for Actuator's health endpoint (Spring Boot 4): each one's replay position, its lag as
 * this JVM knows it, waiting reads, and whether lsnwait's own connections reach it. Always UP: a lagging or
 * unreachable replica makes reads wait or go elsewhere, it does not make the application unhealthy; the details say
 * which. Asks no server.
 */
public final class LsnWaitHealthIndicator implements HealthIndicator {

  @Override
  public Health health() {
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
    return Health.up().withDetail("replicas", replicas).build();
  }
}

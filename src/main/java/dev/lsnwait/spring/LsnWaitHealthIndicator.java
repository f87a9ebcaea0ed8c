package dev.lsnwait.spring;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The replicas lsnwait tracks, on Actuator's health endpoint (Spring Boot 4's health API; on Spring Boot 3 the build
 * generates the same indicator for that API): {@link TrackerHealth#replicas()}. Always UP: a lagging or unreachable
 * replica makes reads wait or go elsewhere, it does not make the application unhealthy; the details say which.
 */
public final class LsnWaitHealthIndicator implements HealthIndicator {

  @Override
  public Health health() {
    return Health.up().withDetail("replicas", TrackerHealth.replicas()).build();
  }
}

package dev.lsnwait.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitListener;
import dev.lsnwait.MalformedTokenException;
import dev.lsnwait.TokenCodec;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicrometerTest {

  @Test
  void waitsRoutingAndRejectedTokensBecomeMeters() {
    TokenCodec codec = TokenCodec.unsigned();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (LsnWaitMetrics metrics = new LsnWaitMetrics(codec)) {
      metrics.bindTo(meters);
      metrics.waitStarted("replica1:5432", Lsn.of(100)).ended(LsnWaitListener.Outcome.REPLAYED);
      metrics.waitStarted("replica1:5432", Lsn.of(200)).ended(LsnWaitListener.Outcome.TIMED_OUT);
      metrics.routed("primary", "replicas_behind");
      try {
        codec.decode("not a token");
      } catch (MalformedTokenException e) {
        codec.reject(TokenCodec.Rejection.MALFORMED);
      }
      codec.countUnchecked();
      codec.countUnsent();
      codec.countUnsent();
      assertEquals(1, meters.get("lsnwait.wait").tags("replica", "replica1:5432", "outcome", "replayed").timer()
          .count());
      assertEquals(1, meters.get("lsnwait.wait").tags("outcome", "timed_out").timer().count());
      assertEquals(1.0, meters.get("lsnwait.routing").tags("target", "primary", "reason", "replicas_behind")
          .counter().count());
      assertTrue(meters.get("lsnwait.tokens.rejected").tags("reason", "malformed").functionCounter().count() >= 1);
      assertEquals(1.0, meters.get("lsnwait.tokens.unchecked").functionCounter().count());
      assertEquals(2.0, meters.get("lsnwait.tokens.unsent").functionCounter().count());
      assertTrue(Double.isNaN(meters.get("lsnwait.replica.lag").tags("replica", "replica1:5432").gauge().value()),
          "no such tracker in this JVM: unknown, not zero");
    }
  }

  @Test
  void routingCountsEveryTargetAndReasonFromZero() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (LsnWaitMetrics metrics = new LsnWaitMetrics()) {
      metrics.bindTo(meters);
      assertTrue(meters.find("lsnwait.routing").counters().isEmpty(), "no routing yet: no series");
      metrics.routed("replica", "caught_up");
      assertEquals(0.0, meters.get("lsnwait.routing").tags("target", "primary", "reason", "fell_back").counter()
          .count());
      assertEquals(1.0, meters.get("lsnwait.routing").tags("target", "replica", "reason", "caught_up").counter()
          .count());
      assertEquals(8, meters.find("lsnwait.routing").counters().size());
    }
  }

  @Test
  void routingCountsKeepCountingAndFollowARegistryBoundLater() {
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    try (LsnWaitMetrics metrics = new LsnWaitMetrics()) {
      metrics.bindTo(first);
      for (int i = 0; i < 3; i++) {
        metrics.routed("primary", "forecast_behind");
      }
      metrics.routed("primary", "a_reason_of_a_newer_version");
      assertEquals(3.0, first.get("lsnwait.routing").tags("target", "primary", "reason", "forecast_behind")
          .counter().count());
      assertEquals(1.0, first.get("lsnwait.routing").tags("target", "primary", "reason", "a_reason_of_a_newer_version")
          .counter().count());
      metrics.bindTo(second);
      metrics.routed("primary", "forecast_behind");
      assertEquals(1.0, second.get("lsnwait.routing").tags("target", "primary", "reason", "forecast_behind")
          .counter().count());
      assertEquals(3.0, first.get("lsnwait.routing").tags("target", "primary", "reason", "forecast_behind")
          .counter().count());
    }
  }

  @Test
  void routingCountsComeBackAfterTheApplicationRemovesThem() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (LsnWaitMetrics metrics = new LsnWaitMetrics()) {
      metrics.bindTo(meters);
      metrics.routed("primary", "forecast_behind");
      meters.clear(); // as tests between cases, or an application dropping series, do
      metrics.routed("primary", "forecast_behind");
      assertEquals(1.0, meters.get("lsnwait.routing").tags("target", "primary", "reason", "forecast_behind")
          .counter().count(), "registered again, not counted into a meter the registry no longer has");
      assertEquals(8, meters.find("lsnwait.routing").counters().size());
    }
  }

  /** As Spring Boot Actuator does: the meters, and a timer made of every observation, in one Prometheus registry. */
  @Test
  void theObservationsTimerAndLsnwaitWaitLiveSideBySideInPrometheus() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(prometheus));
    try (LsnWaitMetrics metrics = new LsnWaitMetrics();
        LsnWaitObservations observed = LsnWaitObservations.register(observations)) {
      metrics.bindTo(prometheus);
      LsnWaitListener.WaitEnd timed = metrics.waitStarted("replica1:5432", Lsn.of(100));
      LsnWaitListener.WaitEnd traced = observed.waitStarted("replica1:5432", Lsn.of(100));
      traced.ended(LsnWaitListener.Outcome.REPLAYED); // the observation's timer first, as in the issue
      timed.ended(LsnWaitListener.Outcome.REPLAYED);
    }
    String scrape = prometheus.scrape();
    assertTrue(scrape.contains("lsnwait_wait_seconds_bucket{outcome=\"replayed\",replica=\"replica1:5432\",le="),
        scrape);
    assertTrue(scrape.contains("lsnwait_wait_seconds_count{outcome=\"replayed\",replica=\"replica1:5432\"} 1"),
        scrape);
    assertTrue(scrape.contains("lsnwait_wait_observation_seconds_count{error=\"none\",outcome=\"replayed\","
        + "replica=\"replica1:5432\"} 1"), scrape);
  }

  @Test
  void eachWaitIsAnObservationWithItsOutcome() {
    List<Observation.Context> stopped = new ArrayList<>();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }

      @Override
      public void onStop(Observation.Context context) {
        stopped.add(context);
      }
    });
    try (LsnWaitObservations listener = LsnWaitObservations.register(observations)) {
      listener.waitStarted("replica1:5432", Lsn.of(300)).ended(LsnWaitListener.Outcome.PROCEEDED);
    }
    assertEquals(1, stopped.size());
    Observation.Context context = stopped.get(0);
    assertEquals("lsnwait.wait.observation", context.getName());
    assertEquals("replica1:5432", context.getLowCardinalityKeyValue("replica").getValue());
    assertEquals("proceeded", context.getLowCardinalityKeyValue("outcome").getValue());
    assertEquals(Lsn.of(300).toString(), context.getHighCardinalityKeyValue("lsn").getValue());
  }
}

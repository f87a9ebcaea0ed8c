package dev.lsnwait.micrometer;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.LsnWaitListener;
import dev.lsnwait.ReplicaLag;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.TokenCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * lsnwait's meters, for any Micrometer registry (Spring Boot binds it by itself):
 *
 * <ul>
 *   <li>{@code lsnwait.wait} (timer, with a histogram): reads that had to wait, by {@code replica} and
 *       {@code outcome} ({@code replayed}, {@code timed_out}, {@code proceeded}, {@code primary});
 *   <li>{@code lsnwait.wait.timeouts}, {@code lsnwait.polls} (counters) and {@code lsnwait.waiters} (gauge), by
 *       {@code replica};
 *   <li>{@code lsnwait.replica.lag} (gauge, bytes) and {@code lsnwait.replica.lag.time} (seconds), by
 *       {@code replica}: how far behind its primary, as this JVM knows it (no query);
 *   <li>{@code lsnwait.routing} (counter): where routing connections placed read-only work, by {@code target} and
 *       {@code reason}, every pair from zero once routing is in use;
 *   <li>{@code lsnwait.tokens.rejected} (counter): tokens the given codecs refused, by {@code reason};
 *   <li>{@code lsnwait.tokens.unchecked} (counter): unsigned positions taken as they came, since the primary's
 *       position could not be read to cap them; {@code lsnwait.tokens.unsent} (counter): responses that should have
 *       carried a token but could not (the commits' positions could not be read).
 * </ul>
 *
 * <p>Binding registers it as an {@link LsnWaitListener}; {@link #close()} unregisters it. Each wait is timed here
 * only: {@link LsnWaitObservations}' observation has a name of its own (see there why).
 */
public final class LsnWaitMetrics implements MeterBinder, LsnWaitListener, AutoCloseable {

  /**
   * Every place a routing connection puts read-only work, counted from zero once routing is in use: a series that
   * appears only when first counted leaves a query such as "share sent to the primary" empty instead of zero.
   */
  private static final Map<String, List<String>> ROUTING = Map.of(
      "replica", List.of("caught_up", "after_wait"),
      "primary", List.of("no_replica", "replicas_behind", "forecast_behind", "fell_back", "position_unknown",
          "session_objects"));
  private static final long TRACKERS_LOOK_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final List<TokenCodec> codecs;
  private final Set<String> replicasBound = ConcurrentHashMap.newKeySet();
  private volatile RoutingCounters routingCounters; // once routing is in use, for the registry bound then
  private final AtomicLong trackersLooked = new AtomicLong(System.nanoTime());
  private volatile MeterRegistry registry;

  /** @param codecs the token codecs whose rejections to count (the servlet filter's, outbound propagation's) */
  public LsnWaitMetrics(TokenCodec... codecs) {
    this.codecs = List.of(codecs);
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    this.registry = meters;
    for (TokenCodec codec : codecs) {
      for (TokenCodec.Rejection reason : TokenCodec.Rejection.values()) {
        FunctionCounter.builder("lsnwait.tokens.rejected", codec,
                c -> c.rejections().getOrDefault(reason, 0L))
            .tag("reason", tag(reason.name()))
            .description("Tokens refused (and ignored) by reason")
            .register(meters);
      }
      FunctionCounter.builder("lsnwait.tokens.unchecked", codec, TokenCodec::unchecked)
          .description("Unsigned token positions taken as they came: the primary's position could not be read")
          .register(meters);
      FunctionCounter.builder("lsnwait.tokens.unsent", codec, TokenCodec::unsent)
          .description("Responses that carried no token: their commits' positions could not be read")
          .register(meters);
    }
    for (ReplicaTracker tracker : LsnWaitDriver.trackers()) {
      bindReplica(meters, tracker.name());
    }
    // Routing counters the application removes (clear() between tests) are registered again, as before they were kept
    meters.config().onMeterRemoved(meter -> {
      RoutingCounters counters = routingCounters;
      if (counters != null && counters.meters == meters && meter.getId().getName().equals("lsnwait.routing")) {
        routingCounters = null;
      }
    });
    LsnWaitDriver.addListener(this);
  }

  /** Per-replica meters, looked up by name at each reading (a restarted replica gets a new tracker). */
  private void bindReplica(MeterRegistry meters, String replica) {
    if (!replicasBound.add(replica)) {
      return;
    }
    Tags tags = Tags.of("replica", replica);
    FunctionCounter.builder("lsnwait.polls", replica, name -> stat(name, StatKind.POLLS))
        .tags(tags).description("Queries a tracker sent its replica").register(meters);
    FunctionCounter.builder("lsnwait.wait.timeouts", replica, name -> stat(name, StatKind.TIMEOUTS))
        .tags(tags).description("Reads that waited their whole timeout").register(meters);
    Gauge.builder("lsnwait.waiters", replica, name -> stat(name, StatKind.WAITERS))
        .tags(tags).description("Reads waiting now").register(meters);
    Gauge.builder("lsnwait.replica.lag", replica, LsnWaitMetrics::lagBytes)
        .tags(tags).baseUnit("bytes").description("WAL between the primary and the replica's replay")
        .register(meters);
    TimeGauge.builder("lsnwait.replica.lag.time", replica, TimeUnit.NANOSECONDS, LsnWaitMetrics::lagNanos)
        .tags(tags).description("How long ago the primary passed the replica's replay position").register(meters);
  }

  private enum StatKind { POLLS, TIMEOUTS, WAITERS }

  private static double stat(String replica, StatKind kind) {
    return LsnWaitDriver.tracker(replica).map(tracker -> {
      ReplicaTracker.Stats stats = tracker.stats();
      return switch (kind) {
        case POLLS -> (double) stats.polls();
        case TIMEOUTS -> (double) stats.timeouts();
        case WAITERS -> (double) stats.waiters();
      };
    }).orElse(Double.NaN);
  }

  private static double lagBytes(String replica) {
    return LsnWaitDriver.tracker(replica).flatMap(LsnWaitDriver::lag).map(lag -> (double) lag.bytes())
        .orElse(Double.NaN);
  }

  private static double lagNanos(String replica) {
    return LsnWaitDriver.tracker(replica).flatMap(LsnWaitDriver::lag).map(ReplicaLag::time)
        .map(time -> (double) time.toNanos()).orElse(Double.NaN);
  }

  @Override
  public WaitEnd waitStarted(String replica, Lsn target) {
    MeterRegistry meters = registry;
    if (meters == null) {
      return WaitEnd.NONE;
    }
    if (replica.equals("any replica")) {
      bindNewReplicas(meters);
    } else {
      bindReplica(meters, replica);
    }
    long start = System.nanoTime();
    return outcome -> Timer.builder("lsnwait.wait")
        .tags("replica", replica, "outcome", tag(outcome.name()))
        .description("Reads that had to wait for a replica")
        .publishPercentileHistogram()
        .register(meters)
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  @Override
  public void routed(String target, String reason) {
    MeterRegistry meters = registry;
    if (meters == null) {
      return;
    }
    RoutingCounters counters = routingCounters;
    if (counters == null || counters.meters != meters) {
      counters = new RoutingCounters(meters); // registering is idempotent: two threads may both make one
      routingCounters = counters;
    }
    bindNewReplicas(meters);
    counters.of(target, reason).increment();
  }

  private static Counter routing(MeterRegistry meters, String target, String reason) {
    return Counter.builder("lsnwait.routing").tags("target", target, "reason", reason)
        .description("Where routing connections placed read-only work").register(meters);
  }

  /**
   * Every routing counter, registered at once (they count from zero) and kept: routing counts every read-only
   * transaction, and building a meter's identity to look it up each time cost more than the count.
   */
  private static final class RoutingCounters {
    final MeterRegistry meters;
    private final Map<String, Map<String, Counter>> byTarget = new HashMap<>();

    RoutingCounters(MeterRegistry meters) {
      this.meters = meters;
      ROUTING.forEach((where, reasons) -> {
        Map<String, Counter> byReason = new HashMap<>();
        reasons.forEach(why -> byReason.put(why, routing(meters, where, why)));
        byTarget.put(where, byReason);
      });
    }

    Counter of(String target, String reason) {
      Map<String, Counter> byReason = byTarget.get(target);
      Counter counter = byReason == null ? null : byReason.get(reason);
      return counter != null ? counter : routing(meters, target, reason); // a pair not listed: looked up each time
    }
  }

  /**
   * The replicas of routing connections: their trackers begin after binding, and their waits name no replica. Once
   * one is bound, looks at most once a second, since routing calls this for every read-only transaction.
   */
  private void bindNewReplicas(MeterRegistry meters) {
    long last = trackersLooked.get();
    long now = System.nanoTime();
    if (!replicasBound.isEmpty() && now - last < TRACKERS_LOOK_GAP_NANOS) {
      return;
    }
    if (!trackersLooked.compareAndSet(last, now)) {
      return; // another thread looks now
    }
    for (ReplicaTracker tracker : LsnWaitDriver.trackers()) {
      bindReplica(meters, tracker.name());
    }
  }

  private static String tag(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /** Stops listening; the meters stay in the registry. */
  @Override
  public void close() {
    LsnWaitDriver.removeListener(this);
  }
}

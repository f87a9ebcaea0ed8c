package dev.lsnwait.micrometer;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.LsnWaitListener;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Locale;

/**
 * An {@link Observation} named {@code lsnwait.wait} around each read that has to wait: with Micrometer Tracing (or
 * OpenTelemetry through it) a span with the {@code replica}, the target {@code lsn} and the {@code outcome}. Created
 * with {@link #register(ObservationRegistry)}; {@link #close()} unregisters it.
 */
public final class LsnWaitObservations implements LsnWaitListener, AutoCloseable {

  private final ObservationRegistry observations;

  private LsnWaitObservations(ObservationRegistry observations) {
    this.observations = observations;
  }

  /** Observes every wait from now on into {@code observations}. */
  public static LsnWaitObservations register(ObservationRegistry observations) {
    LsnWaitObservations listener = new LsnWaitObservations(observations);
    LsnWaitDriver.addListener(listener);
    return listener;
  }

  @Override
  public WaitEnd waitStarted(String replica, Lsn target) {
    Observation observation = Observation.createNotStarted("lsnwait.wait", observations)
        .contextualName("lsnwait wait")
        .lowCardinalityKeyValue("replica", replica)
        .highCardinalityKeyValue("lsn", target.toString())
        .start();
    return outcome -> observation.lowCardinalityKeyValue("outcome", outcome.name().toLowerCase(Locale.ROOT)).stop();
  }

  @Override
  public void close() {
    LsnWaitDriver.removeListener(this);
  }
}

package dev.lsnwait.micrometer;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.LsnWaitListener;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Locale;

/**
 * An {@link Observation} named {@value #NAME} around each read that has to wait: with Micrometer Tracing (or
 * OpenTelemetry through it) a span with the {@code replica}, the target {@code lsn} and the {@code outcome}. Created
 * with {@link #register(ObservationRegistry)}; {@link #close()} unregisters it.
 *
 * <p>Named apart from {@link LsnWaitMetrics}'s {@code lsnwait.wait}: Spring Boot Actuator makes a timer of every
 * observation, under its name and with an {@code error} tag, and Prometheus refuses a second set of tag keys under
 * one name (the other timer, and with it the histogram, would be dropped). {@code lsnwait.wait} stays lsnwait's own,
 * since it needs no observation handler and carries the histogram; Actuator's timer of this observation counts the
 * same waits (with exemplars when tracing).
 */
public final class LsnWaitObservations implements LsnWaitListener, AutoCloseable {

  /** The observation's name, and so the name of the timer Actuator makes of it. */
  public static final String NAME = "lsnwait.wait.observation";

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
    Observation observation = Observation.createNotStarted(NAME, observations)
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

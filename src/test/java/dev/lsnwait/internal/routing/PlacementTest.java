package dev.lsnwait.internal.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.tracker.ReplayOutlook;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The placement rule: wait only if a replica may replay the position within {@code replicaWait}. */
class PlacementTest {

  private static final long CLUSTER = 42;
  private static final Lsn WRITTEN = Lsn.of(1000);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Placement placement = new Placement(Duration.ofMillis(20));

  @BeforeEach
  void token() {
    LsnContext.set(LsnToken.of(CLUSTER, WRITTEN));
  }

  @AfterEach
  void clear() {
    LsnContext.clear();
  }

  /** A tracker forecasting replay {@code inMillis} from now (null: no forecast), replay last seen moving at movedAt. */
  private static ServerTracker forecasting(Long inMillis, long movedAt) {
    ServerTracker tracker = mock(ServerTracker.class);
    long replayAt = inMillis == null ? Long.MIN_VALUE : System.nanoTime() + inMillis * MS;
    when(tracker.outlook(WRITTEN)).thenReturn(new ReplayOutlook(replayAt, movedAt));
    return tracker;
  }

  private static ServerTracker forecasting(Long inMillis) {
    return forecasting(inMillis, Long.MIN_VALUE);
  }

  private Placement.Verdict decide(ServerTracker... trackers) {
    return placement.decide(List.of(trackers), CLUSTER, WRITTEN);
  }

  @Test
  void withoutAForecastItWaitsAsWithoutForecasts() {
    assertEquals(Placement.Verdict.WAIT, decide(forecasting(null)));
    assertEquals(Placement.Verdict.WAIT, decide(forecasting(500L), forecasting(null)));
  }

  @Test
  void aReplicaForecastWithinTheWaitIsWaitedFor() {
    assertEquals(Placement.Verdict.WAIT, decide(forecasting(5L)));
    assertEquals(Placement.Verdict.WAIT, decide(forecasting(-50L)), "overdue: replay may come any moment");
    assertEquals(Placement.Verdict.WAIT, decide(forecasting(500L), forecasting(10L)));
  }

  @Test
  void everyReplicaForecastLaterSendsTheWorkToThePrimaryAtOnce() {
    assertEquals(Placement.Verdict.FORECAST_BEHIND, decide(forecasting(200L)));
    assertEquals(Placement.Verdict.FORECAST_BEHIND, decide(forecasting(200L), forecasting(40L)));
    assertEquals(Placement.Verdict.WAIT, decide(forecasting(25L)), "just beyond the wait: too close to skip it");
  }

  @Test
  void afterAWaitInVainTheSameTokenIsNotWaitedForAgain() {
    placement.fellBack(CLUSTER, WRITTEN);
    assertEquals(Placement.Verdict.FELL_BACK, decide(forecasting(null)), "no forecast: not a second time");
    assertEquals(Placement.Verdict.FELL_BACK, decide(forecasting(5L)),
        "the forecast that failed once is not trusted twice");
    assertEquals(Placement.Verdict.FELL_BACK, decide(forecasting(5L, System.nanoTime() - 1000 * MS)),
        "replay last moved before the fall back (paused)");
  }

  @Test
  void aReplicaSeenMovingSinceTheFallBackAndForecastInTimeIsWaitedForAgain() {
    placement.fellBack(CLUSTER, WRITTEN);
    long movedSince = System.nanoTime() + MS;
    assertEquals(Placement.Verdict.WAIT, decide(forecasting(5L, movedSince)));
    assertEquals(Placement.Verdict.FELL_BACK, decide(forecasting(200L, movedSince)), "moving, but too late");
  }

  @Test
  void aNewWriteIsPlacedAfresh() {
    placement.fellBack(CLUSTER, WRITTEN);
    Lsn newer = Lsn.of(2000);
    LsnContext.merge(LsnToken.of(CLUSTER, newer));
    ServerTracker tracker = mock(ServerTracker.class);
    when(tracker.outlook(newer)).thenReturn(ReplayOutlook.UNKNOWN);
    assertEquals(Placement.Verdict.WAIT, placement.decide(List.of(tracker), CLUSTER, newer));
    assertEquals(Long.MIN_VALUE, ThreadContext.fellBackAt(CLUSTER, newer));
    assertEquals(Long.MIN_VALUE, ThreadContext.fellBackAt(7, WRITTEN), "another cluster's position");
  }

  @Test
  void anotherUnitOfWorkWithTheSameTokenDecidesForItself() throws Exception {
    placement.fellBack(CLUSTER, WRITTEN);
    LsnContext.runWith(LsnToken.of(CLUSTER, WRITTEN),
        () -> assertEquals(Placement.Verdict.WAIT, decide(forecasting(null)), "a new scope (another request)"));
    assertEquals(Placement.Verdict.FELL_BACK, decide(forecasting(null)), "the thread's own context remembers");
  }
}

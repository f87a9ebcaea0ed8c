package dev.lsnwait.internal.routing;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.tracker.ReplayOutlook;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.time.Duration;
import java.util.List;

/**
 * Whether read-only work that no replica has replayed yet waits for one, or runs on the primary at once: a wait pays
 * only if a replica may replay what the work requires within {@code lsnwait.replicaWait}. From what the trackers
 * already know (their polls' forecasts), no round trip:
 *
 * <ul>
 *   <li>a replica forecast to replay it within the wait: wait;
 *   <li>a replica without a forecast (nobody polled it lately): wait, as without forecasts; unsure is never stale;
 *   <li>every replica forecast later: the primary at once;
 *   <li>the unit of work (the thread's context) already waited in vain for this position: the primary at once, unless
 *       a replica's replay moved since and it is forecast within the wait. The forecast that failed it once (or the
 *       lack of one) is not trusted twice; a replica seen moving after is.
 * </ul>
 *
 * Only ever chooses between waiting and the primary: a replica serves only once it has replayed the position.
 */
final class Placement {

  /** What to do. */
  enum Verdict {
    WAIT,
    /** Every replica is forecast to replay it too late. */
    FORECAST_BEHIND,
    /** The unit of work waited in vain for it already, and no replica has moved in time since. */
    FELL_BACK
  }

  private final long replicaWaitNanos;

  Placement(Duration replicaWait) {
    this.replicaWaitNanos = Math.max(0, replicaWait.toNanos());
  }

  /** For work that requires {@code required} of {@code cluster}, which none of {@code trackers} has replayed. */
  Verdict decide(List<ServerTracker> trackers, long cluster, Lsn required) {
    long fellBackAt = ThreadContext.fellBackAt(cluster, required);
    // A forecast is a lower bound measured between polls: near the wait's end it is too coarse to skip a wait that
    // would pay (a replica as far behind as the wait is long is often in time), so only one well beyond it does.
    long deadline = System.nanoTime() + replicaWaitNanos + replicaWaitNanos / 2;
    for (ServerTracker tracker : trackers) {
      ReplayOutlook outlook = tracker.outlook(required);
      boolean worthIt = fellBackAt == Long.MIN_VALUE
          ? !outlook.known() || outlook.replaysBy(deadline)
          : outlook.movedSince(fellBackAt) && outlook.replaysBy(deadline);
      if (worthIt) {
        return Verdict.WAIT;
      }
    }
    return fellBackAt == Long.MIN_VALUE ? Verdict.FORECAST_BEHIND : Verdict.FELL_BACK;
  }

  /** The wait for {@code required} of {@code cluster} was in vain: the unit of work ran it on the primary. */
  void fellBack(long cluster, Lsn required) {
    ThreadContext.fellBack(cluster, required, System.nanoTime());
  }
}

package dev.lsnwait.internal.tracker;

/**
 * What a tracker's recent polls tell of one position, for placement ({@link ServerTracker#outlook}).
 *
 * @param replayAt the earliest (nanoTime) the server is expected to replay it, or {@link Long#MIN_VALUE}: no idea
 * @param movedAt when (nanoTime) polls last saw its replay move, or {@link Long#MIN_VALUE}
 */
public record ReplayOutlook(long replayAt, long movedAt) {

  public static final ReplayOutlook UNKNOWN = new ReplayOutlook(Long.MIN_VALUE, Long.MIN_VALUE);

  /** Whether the polls gave a forecast at all. */
  public boolean known() {
    return replayAt != Long.MIN_VALUE;
  }

  /** Whether it is forecast replayed by {@code deadline} (nanoTime); false without a forecast. */
  public boolean replaysBy(long deadline) {
    return known() && replayAt - deadline <= 0;
  }

  /** Whether polls saw replay move after {@code moment} (nanoTime). */
  public boolean movedSince(long moment) {
    return movedAt != Long.MIN_VALUE && movedAt - moment > 0;
  }
}

package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ForecastAndBudgetTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** The primary passed position p at p ms. */
  private static final PrimaryClock CLOCK = TestClocks.linear(0);
  /** This JVM read the primary up to position 1000, the latest read starting at 1,000 ms. */
  private static final PrimaryClock UP_TO_1000 = new PrimaryClock() {
    @Override
    public long timeAt(long lsn) {
      return lsn <= 1_000 ? CLOCK.timeAt(lsn) : Long.MIN_VALUE;
    }

    @Override
    public long notPassedBefore(long lsn) {
      return lsn > 1_000 ? CLOCK.timeAt(1_000) : Long.MIN_VALUE;
    }

    @Override
    public long timeUpTo(long lsn) {
      return CLOCK.timeUpTo(Math.min(lsn, 1_000));
    }

    @Override
    public long latest() {
      return 1_000;
    }
  };

  @Test
  void aForecastLearnsTheLagFromServedWaitsAndTriesEarlierAfterFirstTrySuccesses() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    assertEquals(Long.MIN_VALUE, forecast.expected(100, 100 * MS), "no idea yet");
    forecast.served(100, 121 * MS, Long.MIN_VALUE, false); // found at once, 21 ms after
    assertEquals(221 * MS, forecast.expected(200, 200 * MS));
    forecast.served(200, 221 * MS, Long.MIN_VALUE, true); // at once again: maybe late, try earlier
    assertTrue(forecast.expected(300, 300 * MS) < 321 * MS, "tries a little earlier");
    forecast.served(300, 324 * MS, 320 * MS, true); // missed at 320, found at 324: replayed in between
    assertEquals(421 * MS, forecast.expected(400, 400 * MS), "aims early in the interval");
  }

  @Test
  void aLagLearnedDuringAStallIsForgottenAtTheNextPoll() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    forecast.served(100, 5_100 * MS, 100 * MS, false); // a paused replica: "replayed" 5 s after
    assertTrue(forecast.expected(200, 200 * MS) > 2_000 * MS);
    // resumed: at 5301 ms it has replayed what the primary passed at 5300
    forecast.observed(5_301 * MS, 5_301 * MS, 5_300);
    assertEquals(5_401 * MS, forecast.expected(5_400, 5_301 * MS), "lag 1 ms: the poll bounds it");
  }

  @Test
  void aPollBoundsTheLagEvenBeforeAnyWaitWasServed() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    // at 120 ms the replica had replayed what the primary passed at 100 ms
    forecast.observed(120 * MS, 120 * MS, 100);
    assertEquals(220 * MS, forecast.expected(200, 120 * MS));
    forecast.served(150, 210 * MS, Long.MIN_VALUE, false); // a read 60 ms after its write: found at once
    assertEquals(320 * MS, forecast.expected(300, 210 * MS), "not a lag of 60 ms");
  }

  @Test
  void withoutThePrimarysTimesItFollowsThePaceOfReplayWhileReplayMoves() {
    ReplayForecast forecast = new ReplayForecast(PrimaryClock.NONE);
    forecast.observed(0, 0, 1_000);
    forecast.observed(10 * MS, 10 * MS, 2_000); // 100 bytes a ms
    assertEquals(20 * MS, forecast.expected(3_000, 11 * MS));
    assertEquals(Long.MIN_VALUE, forecast.expected(3_000, 500 * MS), "an idle replica has no pace");
    // moved again after a second of idleness: not a pace of 0.1 byte a ms
    forecast.observed(1_000 * MS, 1_000 * MS, 2_100);
    forecast.observed(1_001 * MS, 1_001 * MS, 2_200);
    assertEquals(1_002 * MS, forecast.expected(2_300, 1_001 * MS), "the pace of the last 20 ms");
  }

  @Test
  void placementKnowsNothingBeforeAPollAndForgetsWhatPollsTaughtLongAgo() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    assertEquals(Long.MIN_VALUE, forecast.notBefore(100, 100 * MS), "no poll yet: no idea");
    forecast.observed(300 * MS, 300 * MS, 100); // at 300 ms it had replayed what the primary passed at 100 ms
    assertEquals(300 * MS, forecast.movedAt(300 * MS));
    assertEquals(449 * MS, forecast.notBefore(250, 301 * MS), "behind by what the primary passed after 101 ms");
    long later = 300 * MS + ReplayForecast.TRUSTED_NANOS + MS;
    assertEquals(Long.MIN_VALUE, forecast.notBefore(250, later), "nobody polled for too long: no idea");
    assertEquals(Long.MIN_VALUE, forecast.movedAt(later));
    forecast.forget();
    assertEquals(Long.MIN_VALUE, forecast.notBefore(250, 301 * MS), "a new poller run learns afresh");
  }

  @Test
  void forPlacementALagThatGrewCountsAtTheNextPollWithoutAWaitThatOutlastsIt() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    forecast.observed(105 * MS, 105 * MS, 100); // keeping up: 5 ms
    assertEquals(1_004 * MS, forecast.notBefore(1_000, 1_000 * MS));
    // now 300 ms behind: the poll sent at 1000 ms finds what the primary passed at 700 ms, not what it passed after
    forecast.observed(1_000 * MS, 1_001 * MS, 700);
    assertEquals(1_005 * MS, forecast.expected(1_000, 1_001 * MS), "the poller's forecast still errs early");
    assertEquals(1_299 * MS, forecast.notBefore(1_000, 1_001 * MS), "placement's: not before 299 ms after");
  }

  @Test
  void forPlacementAReplicaReplayingSparseWritesKeepsTheHigherBoundOfTheLastHundredMilliseconds() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    // 300 ms behind; the primary wrote at 700 ms, then not until 820 ms (reads waited meanwhile)
    forecast.observed(1_000 * MS, 1_000 * MS, 700); // the oldest write not replayed: 701 ms, 299 ms old
    assertEquals(1_299 * MS, forecast.notBefore(1_000, 1_000 * MS));
    // At 1,050 ms it replays the pause: the oldest write not replayed is from 820 ms, only 230 ms old
    PrimaryClock sparse = new PrimaryClock() {
      @Override
      public long timeAt(long lsn) {
        return CLOCK.timeAt(lsn <= 820 && lsn > 700 ? 820 : lsn);
      }

      @Override
      public long timeUpTo(long lsn) {
        return CLOCK.timeUpTo(lsn);
      }

      @Override
      public long latest() {
        return -1;
      }
    };
    ReplayForecast pausing = new ReplayForecast(sparse);
    pausing.observed(990 * MS, 990 * MS, 690); // the oldest write not replayed: 691 ms, 299 ms old
    pausing.observed(1_050 * MS, 1_050 * MS, 700);
    assertEquals(1_349 * MS, pausing.notBefore(1_050, 1_050 * MS), "not 1,280 ms: the bound of 60 ms ago stands");
    pausing.observed(1_150 * MS, 1_150 * MS, 850);
    assertEquals(1_349 * MS, pausing.notBefore(1_050, 1_150 * MS), "its own (299 ms), once writes are dense again");
    pausing.observed(1_260 * MS, 1_260 * MS, 1_100);
    assertEquals(1_209 * MS, pausing.notBefore(1_050, 1_260 * MS), "a lower bound stands once the higher is old");
    pausing.observed(1_270 * MS, 1_270 * MS, 1_300);
    assertEquals(Long.MIN_VALUE, pausing.notBefore(1_300, 1_270 * MS), "caught up: no bound, whatever came before");
  }

  /**
   * A replica resumed after a pause: a poll finds it 9 ms behind, within 100 ms of one that found it 299 ms behind.
   * That poll proves it replayed everything the primary passed more than 10 ms before: the higher bound no longer
   * stands (it kept reads from a replica that keeps up for its 100 ms; no poll may follow, with refreshes off and
   * nobody waiting for a replica that placement keeps work off).
   */
  @Test
  void forPlacementAHigherBoundFallsOnceAPollFindsTheReplicaCaughtUpPastIt() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    forecast.observed(1_000 * MS, 1_000 * MS, 700); // paused: the oldest write not replayed is 299 ms old
    forecast.observed(1_050 * MS, 1_050 * MS, 1_040); // resumed: 9 ms behind
    assertEquals(1_059 * MS, forecast.notBefore(1_050, 1_050 * MS), "its own bound, 9 ms");
    assertEquals(1_409 * MS, forecast.notBefore(1_400, 1_400 * MS), "400 ms later: the last poll's own, 9 ms");
  }

  /**
   * A replica steadily 200 ms behind; the primary's writes pause from 700 to 790 ms while this JVM reads its position
   * every millisecond (global reads). A poll at 900 ms finds position 700 replayed: the latest read at or below it is
   * from 790 ms, yet the primary reached it at 700 ms, so the replica is not shown to be less than 200 ms behind, and
   * the higher bound of 20 ms ago stands (else placement would wait in vain for it until the window ran out).
   */
  @Test
  void forPlacementAHigherBoundStandsThroughAPauseInWritesReadAgainAndAgain() {
    PrimaryClock pausing = new PrimaryClock() { // position p passed at p ms; after 700, at p + 90 ms
      @Override
      public long timeAt(long lsn) {
        return (lsn <= 700 ? lsn : lsn + 90) * MS;
      }

      @Override
      public long timeUpTo(long lsn) { // read every ms: position 700 until 790 ms
        return (lsn < 700 ? lsn : lsn + 90) * MS;
      }

      @Override
      public long shortOf(long lsn) { // the read before the first at lsn
        return lsn <= 700 ? (lsn - 1) * MS : timeUpTo(lsn - 1);
      }

      @Override
      public long latest() {
        return -1;
      }
    };
    ReplayForecast forecast = new ReplayForecast(pausing);
    forecast.observed(880 * MS, 880 * MS, 680); // 680 passed at 680 ms: 199 ms behind what it had not replayed
    forecast.observed(900 * MS, 900 * MS, 700); // 701 passed at 791 ms: only 109 ms, as the writes paused
    assertEquals(990 * MS, forecast.notBefore(701, 900 * MS), "the bound of 20 ms ago stands: 791 + 199 ms");
  }

  @Test
  void forPlacementAReplicaBehindEveryReadKeptIsBehindAtLeastByTheirSpan() {
    PrimaryClock keptFrom900 = new PrimaryClock() { // the JVM keeps reads from 900 ms on (a ring of reads)
      @Override
      public long timeAt(long lsn) {
        return lsn < 900 ? Long.MIN_VALUE : CLOCK.timeAt(lsn);
      }

      @Override
      public long passedBy(long lsn) {
        return lsn < 900 ? CLOCK.timeAt(900) : CLOCK.timeAt(lsn);
      }

      @Override
      public long timeUpTo(long lsn) {
        return lsn < 900 ? Long.MIN_VALUE : CLOCK.timeUpTo(lsn);
      }

      @Override
      public long latest() {
        return -1;
      }
    };
    ReplayForecast forecast = new ReplayForecast(keptFrom900);
    forecast.observed(1_400 * MS, 1_400 * MS, 200); // 1.2 s behind: older than every read kept
    assertEquals(1_900 * MS, forecast.notBefore(1_400, 1_400 * MS),
        "at least 500 ms behind (the reads kept), not caught up and no idea");
  }

  /**
   * A token of another instance (a cookie set by the instance that took the user's write) may be newer than every read
   * of this JVM: the primary passed it after this JVM's latest read began, so a replica that far behind replays it
   * no sooner than that read's start plus its lag, and placement need not wait for it in vain.
   */
  @Test
  void forPlacementATokenNewerThanEveryReadKeptIsPassedAfterTheLatestRead() {
    ReplayForecast forecast = new ReplayForecast(UP_TO_1000);
    forecast.observed(1_000 * MS, 1_000 * MS, 700); // 300 ms behind
    assertEquals(1_299 * MS, forecast.notBefore(1_000, 1_001 * MS));
    assertEquals(1_299 * MS, forecast.notBefore(1_050, 1_001 * MS), "another instance's token: no earlier either");
  }

  @Test
  void aPollThatFindsTheReplicaCaughtUpGivesPlacementNoBound() {
    ReplayForecast forecast = new ReplayForecast(UP_TO_1000);
    forecast.observed(1_005 * MS, 1_005 * MS, 1_000);
    assertEquals(Long.MIN_VALUE, forecast.notBefore(1_000, 1_005 * MS), "no lag seen: no idea");
    assertEquals(1_005 * MS, forecast.movedAt(1_005 * MS));
  }

  @Test
  void theLowerBoundCountsFromWhenThePollWasSent() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    // sent at 250 ms, answered at 300 ms (a slow answer): behind by at least 149 ms, not 199 ms
    forecast.observed(250 * MS, 300 * MS, 100);
    assertEquals(549 * MS, forecast.notBefore(400, 300 * MS), "not by the learned lag (200 ms, from above)");
  }

  @Test
  void manyWaitersShareTheFloorRateAFewPollAsOftenAsTheIntervalAllows() {
    assertTrue(pollsInASecond(1000) <= 200 + 20, "1000 waiting: the floor rate, plus the burst");
    int few = pollsInASecond(4);
    assertTrue(few >= 900 && few <= 1000 + 20, few + " polls with 4 waiting: one every 250 us among them");
  }

  /** Polls a poller asking every 100 us would get in a second (simulated time). */
  private static int pollsInASecond(int waiting) {
    long start = System.nanoTime();
    PollBudget budget = new PollBudget(200, TimeUnit.MICROSECONDS.toNanos(250));
    int polls = 0;
    for (long t = start; t < start + TimeUnit.SECONDS.toNanos(1); t += TimeUnit.MICROSECONDS.toNanos(100)) {
      if (budget.nextAt(t, waiting) <= t) {
        budget.take(t, waiting);
        polls++;
      }
    }
    return polls;
  }
}

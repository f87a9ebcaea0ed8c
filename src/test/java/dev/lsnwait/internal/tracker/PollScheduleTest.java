package dev.lsnwait.internal.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How the poller asks: a poll at the forecast first; on PostgreSQL 19 a wait in the server where nothing forecasts the
 * replay or the poll at the forecast missed; before 19, polls again at growing gaps.
 */
class PollScheduleTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  /** Far from nanoTime's origin, as the schedule's own clock readings are. */
  private static final long T0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);

  /** The primary passed position p at T0 + p ms. */
  private static final PrimaryClock CLOCK = TestClocks.linear(T0);

  /**
   * A schedule that last asked at T0 + 100 ms (a refresh: it asks at least every 100 ms, whatever the forecast), with
   * a forecast that learnt a lag of 20 ms (position p replayed at T0 + p + 20 ms) if {@code lagKnown}.
   */
  private static PollSchedule schedule(boolean waitForLsn, boolean lagKnown) {
    TrackerSettings settings = new TrackerSettings(Duration.ofMillis(1), 180, Duration.ofMillis(50),
        Duration.ofSeconds(60), waitForLsn);
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    PollSchedule schedule = new PollSchedule(settings, forecast); // a new run forgets what the forecast knew
    if (lagKnown) {
      forecast.served(10, T0 + 30 * MS, Long.MIN_VALUE, false);
    }
    schedule.refreshing(T0 + 100 * MS);
    return schedule;
  }

  @Test
  void onPostgres19WithNoForecastTheServerIsAskedToWaitAtOnce() {
    PollSchedule schedule = schedule(true, false);
    long now = T0 + 100 * MS;
    assertEquals(now, schedule.dueAt(100, Waiter.NO_DEADLINE, now, 1), "nothing to time a poll by");
    assertTrue(schedule.asking(100, now, 1), "WAIT FOR LSN");
  }

  @Test
  void onPostgres19APollAtTheForecastComesFirstAndAWaitInTheServerAfterItMissed() {
    PollSchedule schedule = schedule(true, true);
    long written = 100; // replay forecast at T0 + 120 ms
    long now = T0 + 101 * MS;
    long due = schedule.dueAt(written, Waiter.NO_DEADLINE, now, 1);
    assertTrue(due > T0 + 119 * MS && due < T0 + 120 * MS, "just before the forecast, as before 19");
    assertFalse(schedule.asking(written, due, 1), "a poll");
    schedule.answered(written, due, due + MS / 10, false, 1); // not there yet
    long after = due + MS / 5;
    assertEquals(after, schedule.dueAt(written, Waiter.NO_DEADLINE, after, 1), "no gap: the server answers on replay");
    assertTrue(schedule.asking(written, after, 1), "WAIT FOR LSN");
    schedule.answered(written, after, T0 + 123 * MS, true, 1); // the server woke it 3 ms after the forecast
    long next = schedule.dueAt(150, Waiter.NO_DEADLINE, T0 + 151 * MS, 1);
    assertTrue(next > T0 + 170 * MS && next < T0 + 173 * MS, "learnt a later lag, aiming early: " + (next - T0));
    assertFalse(schedule.asking(150, next, 1), "a new position is polled at its forecast again");
  }

  @Test
  void beforePostgres19AMissedPollIsFollowedByPollsAtAGap() {
    PollSchedule schedule = schedule(false, true);
    long due = schedule.dueAt(100, Waiter.NO_DEADLINE, T0 + 101 * MS, 1);
    assertFalse(schedule.asking(100, due, 1));
    schedule.answered(100, due, due + MS / 10, false, 1);
    assertEquals(due + MS, schedule.dueAt(100, Waiter.NO_DEADLINE, due + MS / 5, 1),
        "the poll interval after the last poll");
    assertFalse(schedule.asking(100, due + MS, 1), "polls, never WAIT FOR LSN");
    assertFalse(schedule(false, false).asking(100, T0, 1), "polls without a forecast too");
  }

  @Test
  void onPostgres19AStallServedInTheServerDoesNotMakeTheNextCommitsPollLate() {
    PollSchedule schedule = schedule(true, true); // lag 20 ms
    long due = schedule.dueAt(100, Waiter.NO_DEADLINE, T0 + 101 * MS, 1);
    assertFalse(schedule.asking(100, due, 1), "a poll at the forecast");
    schedule.observed(due, due + MS / 10, 99);
    schedule.answered(100, due, due + MS / 10, false, 1); // replay stalls
    long sent = T0 + 120 * MS;
    for (int slice = 0; slice < 2; slice++) { // two waits in the server run out their slices
      assertTrue(schedule.asking(100, sent, 1), "WAIT FOR LSN");
      schedule.observed(sent, sent + 50 * MS, 99);
      schedule.answered(100, sent, sent + 50 * MS, false, 1);
      sent += 50 * MS;
    }
    assertTrue(schedule.asking(100, sent, 1));
    // The stall ends at T0 + 250 ms; the replica is 20 ms behind again: it replayed 230, passed at T0 + 230 ms.
    schedule.observed(sent, T0 + 250 * MS, 230);
    schedule.answered(100, sent, T0 + 250 * MS, true, 1);
    long next = schedule.dueAt(260, Waiter.NO_DEADLINE, T0 + 261 * MS, 1); // replayed at T0 + 280 ms
    assertTrue(next <= T0 + 280 * MS, "the next commit, replayed at 280 ms, is polled at " + (next - T0) / MS
        + " ms: the stall was taken for the lag, though the answer showed the replica 20 ms behind");
  }

  /** A schedule whose forecast learnt that the replica is 600 ms behind, and that last asked at T0 + 100 ms. */
  private static PollSchedule sixHundredBehind() {
    ReplayForecast forecast = new ReplayForecast(CLOCK);
    PollSchedule schedule = new PollSchedule(new TrackerSettings(Duration.ofMillis(1), 180, Duration.ofMillis(50),
        Duration.ofSeconds(60), false), forecast);
    forecast.served(10, T0 + 610 * MS, Long.MIN_VALUE, false);
    schedule.refreshing(T0 + 100 * MS);
    return schedule;
  }

  /**
   * The replica was 600 ms behind and keeps up again (10 ms). A reader with 20 ms to wait is asked for just before it
   * gives up, not at the old forecast; what that poll finds teaches the lag it has now.
   */
  @Test
  void aReaderAboutToGiveUpIsAskedForBeforeItDoesAndTheLagItFindsIsLearned() {
    PollSchedule schedule = sixHundredBehind();
    long written = 100; // passed at T0 + 100 ms; forecast replayed at T0 + 700 ms
    long now = T0 + 101 * MS;
    assertEquals(T0 + 200 * MS, schedule.dueAt(written, Waiter.NO_DEADLINE, now, 1),
        "without a deadline: at least every 100 ms, however late the forecast");
    long giveUpAt = now + 20 * MS;
    long due = schedule.dueAt(written, giveUpAt, now, 1);
    assertTrue(due < giveUpAt && due >= giveUpAt - 2 * MS, "asked for just before it gives up: " + (due - now) / MS);
    assertFalse(schedule.asking(written, due, 1));
    schedule.answered(written, due, due + MS / 10, true, 1); // the replica had replayed it, 20 ms after its commit
    long next = schedule.dueAt(150, Waiter.NO_DEADLINE, T0 + 151 * MS, 1);
    assertTrue(next <= T0 + 171 * MS, "the next commit is polled for about 20 ms after it, not 600: at "
        + (next - T0 - 150 * MS) / MS + " ms");
  }

  /**
   * The replica is still 600 ms behind: the poll before the reader gives up misses, and no other follows while it
   * leaves (its thread may take a while to wake and cancel); the next poll is the usual one, 100 ms after the last.
   */
  @Test
  void aReaderAboutToGiveUpIsAskedForOnceNotUntilItHasLeft() {
    PollSchedule schedule = sixHundredBehind();
    long now = T0 + 101 * MS;
    long giveUpAt = now + 20 * MS;
    long due = schedule.dueAt(100, giveUpAt, now, 1);
    schedule.asking(100, due, 1);
    schedule.answered(100, due, due + MS / 10, false, 1);
    long after = due + MS / 5;
    assertEquals(due + 100 * MS, schedule.dueAt(100, giveUpAt, after, 1), "the next poll, once it has missed");
  }

  /** A deadline that wrapped around ("wait forever" as the longest Duration) is no reason to ask early. */
  @Test
  void aDeadlineThatWrappedAroundIsNoReasonToAskEarly() {
    long now = T0 + 101 * MS;
    assertEquals(sixHundredBehind().dueAt(100, Waiter.NO_DEADLINE, now, 1),
        sixHundredBehind().dueAt(100, now + Long.MAX_VALUE, now, 1));
  }

  /** Polls that take 5 ms to answer: the last one before a reader gives up goes out twice that before it does. */
  @Test
  void theLastPollBeforeAReaderGivesUpLeavesTimeForASlowRoundTrip() {
    PollSchedule schedule = sixHundredBehind();
    long sent = T0 + 101 * MS;
    for (int poll = 0; poll < 20; poll++, sent += 10 * MS) {
      schedule.asking(1000 + poll, sent, 1);
      schedule.answered(1000 + poll, sent, sent + 5 * MS, true, 1);
    }
    long giveUpAt = sent + 30 * MS;
    long due = schedule.dueAt(2000, giveUpAt, sent, 1);
    assertTrue(giveUpAt - due >= 9 * MS && giveUpAt - due <= 11 * MS, "asked " + (giveUpAt - due) / 1e6
        + " ms before the reader gives up");
  }

  @Test
  void onPostgres19AWaitInTheServerAfterAFailureWaitsForTheRetryDelay() {
    PollSchedule schedule = new PollSchedule(new TrackerSettings(Duration.ofMillis(1), 180, Duration.ofMillis(50),
        Duration.ofSeconds(60), true), new ReplayForecast(CLOCK)); // no forecast: it waits in the server
    long failedAt = System.nanoTime();
    schedule.failed(10 * MS); // the last question broke (a terminated backend): reconnect after 10 ms
    long due = schedule.dueAt(100, Waiter.NO_DEADLINE, failedAt, 1);
    assertTrue(due - failedAt >= 10 * MS, "asked again after " + (due - failedAt) / 1e6 + " ms, not in a loop");
  }
}

package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadPacingTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long IDLE = TimeUnit.SECONDS.toNanos(60);

  @Test
  void onlyTheFirstCommitAfterAReadNudgesTheReader() {
    ReadPacing pacing = new ReadPacing(MS);
    assertFalse(pacing.pending());
    assertTrue(pacing.committed());
    assertFalse(pacing.committed(), "the flag is set: later commits only read it");
    assertTrue(pacing.pending());
    pacing.starting(System.nanoTime());
    assertFalse(pacing.pending());
    pacing.committed();
    assertTrue(pacing.pending(), "a commit after the read started needs the next one");
  }

  @Test
  void aReadStartedCoversFromTheFirstCommitSinceTheLastOne() {
    ReadPacing pacing = new ReadPacing(MS);
    long before = System.nanoTime();
    pacing.committed();
    long since = pacing.starting(before + 10 * MS);
    assertTrue(since - before >= 0 && since - (before + 10 * MS) < 0, "the first commit's time");
    assertEquals(before + 20 * MS, pacing.starting(before + 20 * MS), "no commit pending: the read's own start");
  }

  @Test
  void commitsAreReadWithinTheIntervalWhileTokensAreUsedAndEvery50MillisecondsOtherwise() {
    ReadPacing pacing = new ReadPacing(MS);
    long now = System.nanoTime();
    assertEquals(IDLE, pacing.dueIn(now, IDLE), "nothing committed: nothing due");
    pacing.starting(now);
    pacing.committed();
    assertEquals(50 * MS, pacing.dueIn(now, IDLE), "nobody resolved a token lately");
    pacing.used();
    assertEquals(MS, pacing.dueIn(now, IDLE), "tokens in use: within the resolve interval");
    assertTrue(pacing.dueIn(now + 2 * MS, IDLE) < 0, "overdue");
  }

  @Test
  void aReaderThatReadWithinTheIntervalIsNotNudgedAndLooksAtTheIntervalsEnd() {
    ReadPacing pacing = new ReadPacing(MS);
    pacing.used();
    long start = System.nanoTime();
    pacing.starting(start);
    assertEquals(MS, pacing.dueIn(start, IDLE), "paced: it wakes at the interval's end, commit or not");
    assertFalse(pacing.committed(), "a commit while the reader is paced needs no signal");
    assertTrue(pacing.dueIn(start + MS, IDLE) <= 0, "it reads at the interval's end");
    pacing.starting(start + MS);
    assertEquals(IDLE, pacing.dueIn(start + 2 * MS, IDLE), "no commit in that interval: it waits to be nudged");
    assertTrue(pacing.committed(), "and the next commit nudges it");
  }

  @Test
  void aReaderThatStopsOrWaitsIsNudgedAgain() {
    ReadPacing pacing = new ReadPacing(MS);
    pacing.starting(System.nanoTime());
    pacing.stopPacing();
    assertTrue(pacing.committed(), "a reader that stopped being paced is nudged by the next commit");
  }

  @Test
  void aReaderPacedByTheIdleIntervalIsToldWhenTokensComeIntoUse() {
    ReadPacing pacing = new ReadPacing(MS);
    long start = System.nanoTime();
    pacing.starting(start);
    assertEquals(50 * MS, pacing.dueIn(start, IDLE), "no token resolved: paced for 50 ms, commits do not wake it");
    assertTrue(pacing.used(), "a first token resolved: the reader must look again (its interval is 1 ms now)");
    assertFalse(pacing.used(), "tokens already in use: nothing to tell");
    assertEquals(MS, pacing.dueIn(start, IDLE));
  }

  @Test
  void aZeroIntervalNeverReadsAhead() {
    ReadPacing pacing = new ReadPacing(0);
    assertFalse(pacing.committed());
    assertFalse(pacing.pending());
    assertEquals(IDLE, pacing.dueIn(System.nanoTime(), IDLE));
  }

  @Test
  void forecastsWantAReadEvery50MillisecondsWithoutCommitsAndCommitsStillNudge() {
    ReadPacing pacing = new ReadPacing(MS);
    long start = System.nanoTime();
    pacing.starting(start);
    assertEquals(IDLE, pacing.dueIn(start + 51 * MS, IDLE), "nothing committed, nothing wanted: nothing due");
    assertTrue(pacing.forecastsWanted(), "the first want: the reader must look again");
    assertTrue(pacing.pending(), "the reader stays");
    assertTrue(pacing.dueIn(start + 51 * MS, IDLE) <= 0, "a read 50 ms after the last is due");
    assertFalse(pacing.forecastsWanted(), "already wanted, and the reader looks on its own");
    pacing.starting(start + 51 * MS);
    pacing.used(); // tokens in use: paced by the 1 ms interval
    assertEquals(48 * MS, pacing.dueIn(start + 53 * MS, IDLE), "no commit: the next read 50 ms after the last");
    assertTrue(pacing.committed(), "a commit meanwhile nudges the reader");
    assertTrue(pacing.dueIn(start + 53 * MS, IDLE) <= 0, "and is read within the resolve interval");
  }

  @Test
  void aReaderThatMayHaveFoundTheForecastWindowOverIsNudgedWhenItIsRenewed() {
    ReadPacing pacing = new ReadPacing(MS);
    assertTrue(pacing.forecastsWanted());
    long start = System.nanoTime();
    pacing.starting(start); // paced: it wakes on its own
    assertFalse(pacing.forecastsWanted(), "a paced reader looks at the window when it wakes");
    assertTrue(pacing.dueIn(start + 10_001 * MS, IDLE) == IDLE, "its clock says the window is over: it waits");
    assertTrue(pacing.forecastsWanted(), "so renewing the window (by a clock behind its own) must wake it");
  }

  @Test
  void forecastsReadEvery50MillisecondsWhateverTheResolveInterval() {
    ReadPacing pacing = new ReadPacing(200 * MS);
    pacing.forecastsWanted();
    long start = System.nanoTime();
    pacing.starting(start);
    assertEquals(50 * MS, pacing.dueIn(start, IDLE), "not the 200 ms resolve interval");
    assertTrue(pacing.dueIn(start + 50 * MS, IDLE) <= 0);
  }

  @Test
  void noEagerReadsMeansNoneForForecastsEither() {
    ReadPacing pacing = new ReadPacing(0);
    assertFalse(pacing.forecastsWanted());
    assertFalse(pacing.pending());
  }
}

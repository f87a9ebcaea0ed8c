package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PositionHistoryTest {

  @Test
  void aCommitIsCoveredByTheFirstReadAfterItsMark() {
    PositionHistory history = new PositionHistory(4);
    assertEquals(-1, history.coveringPosition(0));
    history.add(1, 100, 1_000, 1_000);
    history.add(2, 200, 2_000, 2_000);
    history.add(3, 300, 3_000, 3_000);
    assertEquals(100, history.coveringPosition(0));
    assertEquals(200, history.coveringPosition(1), "not the latest: the first read that started after the mark");
    assertEquals(300, history.coveringPosition(2));
    assertEquals(-1, history.coveringPosition(3), "no read after it yet");
    assertEquals(300, history.latestPosition());
  }

  @Test
  void theOldestReadKeptStillCoversMarksWhoseReadWasDropped() {
    PositionHistory history = new PositionHistory(2);
    for (int epoch = 1; epoch <= 5; epoch++) {
      history.add(epoch, epoch * 100L, epoch * 1_000L, epoch * 1_000L);
    }
    assertEquals(400, history.coveringPosition(1), "wider than needed, never narrower");
  }

  /**
   * When the primary was still short of a position it then sat at (writes paused, its position read again and again):
   * the start of the last read below it, not the time of the last read of it.
   */
  @Test
  void tellsWhenThePrimaryWasStillShortOfAPositionItThenSatAt() {
    PositionHistory history = new PositionHistory(8);
    assertEquals(Long.MIN_VALUE, history.shortOf(100), "nothing read");
    history.add(1, 100, 1_000, 990);
    history.add(2, 200, 2_000, 1_990);
    history.add(3, 200, 3_000, 2_990);
    history.add(4, 200, 4_000, 3_990);
    history.add(5, 300, 5_000, 4_990);
    assertEquals(990, history.shortOf(250), "short of 200 when the read of 100 started");
    assertEquals(990, history.shortOf(200));
    assertEquals(3_990, history.shortOf(300), "short of 300 when the last read of 200 started");
    assertEquals(3_990, history.shortOf(1_000));
    assertEquals(Long.MIN_VALUE, history.shortOf(150), "no read kept below 100");
    assertEquals(Long.MIN_VALUE, history.shortOf(50), "no read kept at or below 50");

    PositionHistory failedOver = new PositionHistory(8);
    failedOver.add(1, 290, 50, 50); // the old primary
    failedOver.add(2, 500, 100, 100);
    failedOver.add(3, 310, 200, 200); // a stand-in, which passed 310 later than the old one did
    failedOver.add(4, 310, 210, 210);
    assertEquals(50, failedOver.shortOf(310), "not 100: the old primary may have been past 310 by then");
  }

  @Test
  void tellsAboutWhenThePrimaryPassedAPosition() {
    PositionHistory history = new PositionHistory(4);
    history.add(1, 100, 1_000, 1_000);
    history.add(2, 200, 2_000, 2_000);
    assertEquals(2_000, history.timeAt(150));
    assertEquals(2_000, history.timeAt(200));
    assertEquals(1_000, history.timeAt(100));
    assertEquals(Long.MIN_VALUE, history.timeAt(50), "before every read kept: unknown");
    assertEquals(Long.MIN_VALUE, history.timeAt(250), "not read yet");
  }

  @Test
  void aPositionOlderThanEveryReadKeptWasPassedByTheOldestReadsStart() {
    PositionHistory history = new PositionHistory(4);
    history.add(1, 100, 900, 1_000); // its earliest commit returned at 900, the read started at 1,000
    history.add(2, 200, 2_000, 2_000);
    assertEquals(1_000, history.passedBy(50), "not dated, but passed by then: it read 100 within a round trip");
    assertEquals(900, history.passedBy(100), "dated as timeAt dates it");
    assertEquals(2_000, history.passedBy(150));
    assertEquals(Long.MIN_VALUE, history.passedBy(250), "not read yet");
    assertEquals(Long.MIN_VALUE, new PositionHistory(4).passedBy(50), "nothing read");
  }

  @Test
  void aPositionOlderThanEveryReadKeptIsDatedBySamplesKeptLonger() {
    long ms = 1_000_000L;
    PositionHistory history = new PositionHistory(4);
    for (int epoch = 1; epoch <= 100; epoch++) { // a read every 10 ms: the ring keeps the last 40 ms
      history.add(epoch, epoch * 100L, epoch * 10 * ms - 1, epoch * 10 * ms);
    }
    history.addUnnumbered(10_050, 1_001 * ms, 1_001 * ms, 0); // a commit's own: dates, but is not sampled
    // the ring keeps reads 98 to 100 (from 980 ms) and the commit's; samples: a numbered read 50 ms or more after
    // the last sample (10, 60, 110, ... 960 ms: positions 100, 600, 1,100, ... 9,600)
    assertEquals(110 * ms, history.passedBy(1_050), "the first sample beyond it started at 110 ms");
    assertEquals(110 * ms, history.passedBy(1_100), "a sample at the position itself passed it no later");
    assertEquals(10 * ms, history.passedBy(50), "the oldest sample");
    assertEquals(960 * ms, history.passedBy(9_550), "a sample's start, earlier than the ring's oldest read's");
    assertEquals(980 * ms, history.passedBy(9_650), "after the last sample: the ring's oldest read's start");
  }

  @Test
  void samplesOfAnotherHistoryDateNoPositionOfAStandIn() {
    long ms = 1_000_000L;
    PositionHistory history = new PositionHistory(4);
    for (int epoch = 1; epoch <= 10; epoch++) { // the primary, read every 100 ms: every read a sample
      history.add(epoch, epoch * 1_000L, epoch * 100 * ms, epoch * 100 * ms);
    }
    // It fails; a stand-in (promoted without the old one's last WAL) is read from 2 s on, from 9,000, every 10 ms
    for (int k = 0; k < 10; k++) {
      history.add(11 + k, 9_000 + k * 100L, (2_000 + k * 10) * ms, (2_000 + k * 10) * ms);
    }
    // the ring keeps the stand-in's 9,600 to 9,900 (from 2,060 ms); the stand-in read 9,500 at 2,050 ms
    assertEquals(2_060 * ms, history.passedBy(9_550), "not the old primary's time (1 s) for its 10,000");
    assertEquals(2_050 * ms, history.passedBy(9_450), "the stand-in's own samples date it");
  }

  @Test
  void aPositionBeyondEveryReadKeptWasNotPassedBeforeTheLatestStarted() {
    PositionHistory history = new PositionHistory(4);
    assertEquals(Long.MIN_VALUE, history.notPassedBefore(50), "nothing read");
    history.add(1, 100, 900, 1_000);
    history.add(2, 200, 1_900, 2_000);
    assertEquals(2_000, history.notPassedBefore(250), "the latest read found 200 after it started");
    assertEquals(Long.MIN_VALUE, history.notPassedBefore(200), "read: timeAt dates it");
    assertEquals(Long.MIN_VALUE, history.notPassedBefore(150));
  }

  @Test
  void theEarliestReadStartedSinceATimeCoversCommitsBeforeIt() {
    PositionHistory history = new PositionHistory(4);
    history.add(1, 100, 900, 1_000);
    history.add(2, 200, 1_900, 2_000);
    history.add(3, 300, 2_900, 3_000);
    assertEquals(100, history.startedSince(1_000));
    assertEquals(200, history.startedSince(1_001));
    assertEquals(300, history.startedSince(3_000));
    assertEquals(-1, history.startedSince(3_001));
  }

  @Test
  void positionsCommitsReadDateThePrimaryButAnswerNoMark() {
    PositionHistory history = new PositionHistory(8);
    history.add(1, 100, 1_000, 1_000);
    history.addUnnumbered(200, 2_000, 1_900, 100);
    history.addUnnumbered(250, 2_050, 2_000, 100); // within 100 ns of the last: raises it, keeps its time
    history.addUnnumbered(240, 2_500, 2_400, 100); // behind what is kept: adds nothing
    assertEquals(2_000, history.timeAt(250));
    assertEquals(2_000, history.timeUpTo(260));
    assertEquals(-1, history.coveringPosition(1), "no read numbered after mark 1 yet");
    assertEquals(250, history.startedSince(1_500));
    history.addUnnumbered(300, 3_000, 2_900, 100);
    assertEquals(3_000, history.timeAt(300));
  }

  @Test
  void aReadBehindPositionsCommitsReadReplacesThemAsRead() {
    PositionHistory history = new PositionHistory(8);
    history.add(1, 300, 500, 500);
    history.addUnnumbered(500, 1_000, 900, 100);
    history.add(2, 400, 800, 950); // started before that commit's read answered (or read on a stand-in)
    assertEquals(400, history.coveringPosition(1), "the read as read, never raised");
    assertEquals(400, history.latestPosition());
    assertEquals(Long.MIN_VALUE, history.timeAt(500), "the commit's position is no longer dated");
    assertEquals(800, history.timeAt(400));
  }

  /**
   * Dating a position by halving (reads only grow) answers as reading every read from the oldest does, over many
   * generated histories: commits' positions, reads behind them, positions equal to the last, a stand-in's lower reads
   * after a failover, and a ring that wraps.
   */
  @Test
  void datesAsReadingFromTheOldestDoesInGeneratedHistories() {
    java.util.Random random = new java.util.Random(20261208);
    for (int history = 0; history < 2_000; history++) {
      PositionHistory reads = new PositionHistory(1 + random.nextInt(12));
      long position = 1_000;
      long time = 0;
      long epoch = 0;
      for (int step = 0; step < 40; step++) {
        time += 1 + random.nextInt(10);
        int kind = random.nextInt(20);
        if (kind == 0) {
          position -= random.nextInt(300); // a stand-in that had less WAL
        } else if (kind > 2) {
          position += random.nextInt(3) * 10L; // the same position again, or further
        }
        if (kind % 3 == 1) {
          reads.addUnnumbered(position + random.nextInt(40), time, time - 1, random.nextInt(8));
        } else {
          reads.add(++epoch, position, time, time - 1);
        }
        for (long asked = position - 400; asked <= position + 60; asked += 1 + random.nextInt(7)) {
          assertEquals(reads.timeAtScanning(asked), reads.timeAt(asked),
              "history " + history + ", step " + step + ", position " + asked);
        }
      }
    }
  }
}

package dev.lsnwait.internal.primary;

/**
 * The last reads of a primary's WAL insert position: which read (its epoch, numbered when it started), what it read,
 * and when. It answers two questions without a round trip: the earliest position that covers a commit (the first
 * read that started after the commit's mark), and about when the primary passed a position (for forecasts of
 * replay). A ring of fixed size: the oldest reads make room. Not thread-safe: its owner locks around it.
 */
final class PositionHistory {

  private static final long UNNUMBERED = 0; // epochs of reads start at 1
  /**
   * Besides the ring, a read every 50 ms or more is kept as a sample, the last 256 of them (13 s or more): under
   * load the ring spans half a second, and a replica further behind would have no lower bound of its lag beyond that.
   */
  private static final long SAMPLE_NANOS = 50_000_000L;
  private static final int SAMPLES = 256;

  private final long[] epochs;
  private final long[] positions;
  private final long[] times;
  private final long[] starts;
  private int size;
  private int next; // where the next read goes
  private long added; // reads kept so far, less those taken back: the count of the newest is added - 1
  private long lastDrop = -1; // the count of the latest read kept that was lower than the one before it
  private final long[] samplePositions = new long[SAMPLES];
  private final long[] sampleStarts = new long[SAMPLES];
  private int samples;
  private int nextSample;

  PositionHistory(int capacity) {
    epochs = new long[capacity];
    positions = new long[capacity];
    times = new long[capacity];
    starts = new long[capacity];
  }

  /**
   * Adds a read; epochs of reads only grow, and so do positions (unsigned), but for a stand-in's after a failover,
   * which may be lower than the old primary's last.
   *
   * @param nanoTime when the earliest commit it covers returned (what forecasts count from)
   * @param startedAt when the read started: it covers every commit that returned before then
   */
  void add(long epoch, long position, long nanoTime, long startedAt) {
    // Positions commits read meanwhile, beyond this read, only dated positions: they go, and the read stays as read
    // (raised to them it could name a position a stand-in for a failed primary never reaches)
    while (size > 0 && epochs[index(size - 1)] == UNNUMBERED
        && Long.compareUnsigned(positions[index(size - 1)], position) > 0) {
      size--;
      next = (next - 1 + epochs.length) % epochs.length;
      added--; // never a drop: commits' positions are only kept above the latest
    }
    if (size > 0 && Long.compareUnsigned(position, positions[index(size - 1)]) < 0) {
      lastDrop = added;
    }
    added++;
    epochs[next] = epoch;
    positions[next] = position;
    times[next] = nanoTime;
    starts[next] = startedAt;
    next = (next + 1) % epochs.length;
    size = Math.min(size + 1, epochs.length);
    if (epoch != UNNUMBERED) {
      sample(position, startedAt);
    }
  }

  /**
   * Keeps a read as a sample if it started {@link #SAMPLE_NANOS} after the last sample and read further; one that read
   * less (a stand-in after a failover, without the old primary's last WAL) starts the samples over.
   */
  private void sample(long position, long startedAt) {
    if (samples > 0) {
      int latest = (nextSample - 1 + SAMPLES) % SAMPLES;
      if (Long.compareUnsigned(position, samplePositions[latest]) < 0) {
        samples = 0; // a read went back: a stand-in's history, which passed those positions later, if ever
      } else if (startedAt - sampleStarts[latest] < SAMPLE_NANOS || position == samplePositions[latest]) {
        return;
      }
    }
    samplePositions[nextSample] = position;
    sampleStarts[nextSample] = startedAt;
    nextSample = (nextSample + 1) % SAMPLES;
    samples = Math.min(samples + 1, SAMPLES);
  }

  /**
   * Adds a position a commit read in its own round trip (no epoch: it answers no mark), unless a read already has
   * it. One read in {@code mergeNanos} after the last such one raises that one instead: the ring keeps its span at
   * high commit rates, and the earlier time it then gives a position makes forecasts err early (a wait), not late.
   */
  void addUnnumbered(long position, long nanoTime, long startedAt, long mergeNanos) {
    if (size > 0) {
      int latest = index(size - 1);
      if (Long.compareUnsigned(positions[latest], position) >= 0) {
        return;
      }
      if (epochs[latest] == UNNUMBERED && nanoTime - times[latest] < mergeNanos) {
        positions[latest] = position; // its start stays the earlier one: a read that started later covers as much
        return;
      }
    }
    add(UNNUMBERED, position, nanoTime, startedAt);
  }

  private int index(int age) { // 0 is the oldest kept
    return (next - size + age + epochs.length) % epochs.length;
  }

  /**
   * The position of the earliest read whose epoch is after {@code mark} (it started after the commit that took
   * the mark), or -1 if none was read yet. If that read is no longer kept, the oldest kept one covers too.
   */
  long coveringPosition(long mark) {
    for (int age = 0; age < size; age++) {
      int i = index(age);
      if (epochs[i] > mark) {
        return positions[i];
      }
    }
    return -1;
  }

  /**
   * The position of the earliest read that started at or after {@code since} (nanoTime): it covers every commit
   * that returned before {@code since}. -1 if none kept did.
   */
  long startedSince(long since) {
    for (int age = 0; age < size; age++) {
      int i = index(age);
      if (starts[i] - since >= 0) {
        return positions[i];
      }
    }
    return -1;
  }

  /** The latest position read, or -1. */
  long latestPosition() {
    return size == 0 ? -1 : positions[index(size - 1)];
  }

  /**
   * About when the primary passed {@code position}: the time of the first read at or after it (the primary was
   * there by then), or {@link Long#MIN_VALUE} if no read kept is at or after it, or it is older than every read kept.
   */
  long timeAt(long position) {
    // a stand-in's lower reads among those kept: the first at or after it may be older than a later run's
    return dated(lastDrop > added - size ? firstScanning(position) : firstHalving(position), position);
  }

  /** {@link #timeAt}, read from the oldest whatever the reads kept: what halving must answer too (tests). */
  long timeAtScanning(long position) {
    return dated(firstScanning(position), position);
  }

  /** The time of the read of this age, the first at or after {@code position}: unknown if none, or beyond it. */
  private long dated(int age, long position) {
    if (age == size) {
      return Long.MIN_VALUE;
    }
    int i = index(age);
    return age == 0 && Long.compareUnsigned(positions[i], position) > 0 ? Long.MIN_VALUE : times[i];
  }

  /** The age of the first read at or after {@code position} from the oldest, or {@code size}. */
  private int firstScanning(long position) {
    int age = 0;
    while (age < size && Long.compareUnsigned(positions[index(age)], position) < 0) {
      age++;
    }
    return age;
  }

  /** As {@link #firstScanning}, in log(size) steps, for reads kept that only grow from the oldest. */
  private int firstHalving(long position) {
    int low = 0;
    int high = size;
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (Long.compareUnsigned(positions[index(middle)], position) >= 0) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return low;
  }

  /**
   * A time by which the primary had passed {@code position}, for lower bounds of a replica's lag: {@link #timeAt},
   * or for a position older than every read kept, the start of the earliest read at or after it among the samples
   * and the oldest read kept (it read that position within a round trip of its start). {@link Long#MIN_VALUE} if no
   * read kept is at or after it.
   */
  long passedBy(long position) {
    long known = timeAt(position);
    if (known != Long.MIN_VALUE || size == 0) {
      return known;
    }
    int oldest = index(0);
    if (Long.compareUnsigned(positions[oldest], position) <= 0) {
      return Long.MIN_VALUE;
    }
    for (int age = 0; age < samples; age++) {
      int i = (nextSample - samples + age + SAMPLES) % SAMPLES;
      if (Long.compareUnsigned(samplePositions[i], position) >= 0) {
        return sampleStarts[i] - starts[oldest] < 0 ? sampleStarts[i] : starts[oldest];
      }
    }
    return starts[oldest];
  }

  /**
   * For a position beyond every read kept: the start of the latest, which read a lower one (the primary passed it
   * only after). {@link Long#MIN_VALUE} otherwise, or if nothing was read.
   */
  long notPassedBefore(long position) {
    if (size == 0) {
      return Long.MIN_VALUE;
    }
    int latest = index(size - 1);
    return Long.compareUnsigned(positions[latest], position) < 0 ? starts[latest] : Long.MIN_VALUE;
  }

  /**
   * A time at which the primary was still short of the latest read at or below {@code position}: the start of the
   * latest read below that one (a read starts no later than the primary is at what it reads). The primary reached the
   * latest read's position only after it, however long it then stayed there (a pause in writes, read again and
   * again): a replica that has replayed {@code position} is at most that long behind. {@link Long#MIN_VALUE} if no
   * read kept is at or below it, or none below that one. Reads at or above it after a stand-in's lower one are
   * passed over: the old primary may have been past it then.
   */
  long shortOf(long position) {
    int age = size - 1;
    while (age >= 0 && Long.compareUnsigned(positions[index(age)], position) > 0) {
      age--;
    }
    long reached = age >= 0 ? positions[index(age)] : -1;
    while (age >= 0 && Long.compareUnsigned(positions[index(age)], reached) >= 0) {
      age--;
    }
    return age >= 0 ? starts[index(age)] : Long.MIN_VALUE;
  }

  /**
   * The time of the latest read at or below {@code position}, or {@link Long#MIN_VALUE} if none kept is: every
   * position {@link #timeAt} dates this early or earlier is at or below {@code position}.
   */
  long timeUpTo(long position) {
    for (int age = size - 1; age >= 0; age--) {
      int i = index(age);
      if (Long.compareUnsigned(positions[i], position) <= 0) {
        return times[i];
      }
    }
    return Long.MIN_VALUE;
  }
}

package dev.lsnwait.internal.registry;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.primary.PrimaryPosition;
import dev.lsnwait.internal.tracker.PrimaryClock;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * When a cluster's primary passed positions, from the reads of its primaries' positions in this JVM (retired
 * servers' too: their history holds). Several readers may know a primary (one per server settings), and a failover
 * leaves the old primary's.
 */
final class ClusterClock implements PrimaryClock {

  private final Supplier<List<PrimaryPosition>> readers;

  ClusterClock(Supplier<List<PrimaryPosition>> readers) {
    this.readers = readers;
  }

  @Override
  public long timeAt(long lsn) {
    return firstKnown(primary -> primary.timeAt(Lsn.of(lsn)));
  }

  @Override
  public long passedBy(long lsn) {
    return firstKnown(primary -> primary.passedBy(Lsn.of(lsn)));
  }

  @Override
  public long notPassedBefore(long lsn) { // each reader's latest read below it bounds it: the latest is tightest
    return latestKnown(primary -> primary.notPassedBefore(Lsn.of(lsn)));
  }

  @Override
  public long shortOf(long lsn) { // each reader's bounds the lag of a position replayed: the latest is tightest
    return latestKnown(primary -> primary.shortOf(Lsn.of(lsn)));
  }

  @Override
  public long timeUpTo(long lsn) {
    return firstKnown(primary -> primary.timeUpTo(Lsn.of(lsn)));
  }

  /** The highest position any reader read, or -1. */
  @Override
  public long latest() {
    long latest = -1;
    for (PrimaryPosition primary : readers.get()) {
      Lsn read = primary.lastRead();
      if (read != null && (latest == -1 || Long.compareUnsigned(read.asLong(), latest) > 0)) {
        latest = read.asLong();
      }
    }
    return latest;
  }

  private long latestKnown(ToLongFunction<PrimaryPosition> time) {
    return readers.get().stream().mapToLong(time).filter(known -> known != Long.MIN_VALUE)
        .reduce((a, b) -> a - b > 0 ? a : b).orElse(Long.MIN_VALUE);
  }

  private long firstKnown(ToLongFunction<PrimaryPosition> time) {
    for (PrimaryPosition primary : readers.get()) {
      long known = time.applyAsLong(primary);
      if (known != Long.MIN_VALUE) {
        return known;
      }
    }
    return Long.MIN_VALUE;
  }
}

package dev.lsnwait.internal.tracker;

/**
 * What a server that left recovery (was promoted) holds: what it had replayed when it left, and what was written on
 * its own timeline; nothing its old primary wrote after that (a failover that left the old primary writing, a split
 * brain). A server out of recovery on timeline 1 was never promoted: it is the cluster's first primary, and holds all.
 *
 * @param endOfReplay where replay ended (unsigned): {@code pg_last_wal_replay_lsn()} stays there after a promotion
 * @param timeline its WAL timeline, 0 if not known
 * @param learnedAt when (nanoTime) lsnwait first saw it out of recovery
 */
record Promotion(long endOfReplay, int timeline, long learnedAt) {

  /** Whether it holds {@code lsn} (unsigned), its timeline unknown. */
  boolean covers(long lsn) {
    return timeline == 1 || Long.compareUnsigned(endOfReplay, lsn) >= 0;
  }

  /**
   * Whether it holds {@code lsn} written on {@code writtenOn} (0: not known): a position of its own timeline was
   * written on it; one of a later timeline on a primary that left it behind; an earlier or unknown one is held if it
   * had replayed that far.
   */
  boolean holds(long lsn, int writtenOn) {
    if (writtenOn == 0 || timeline == 0) {
      return covers(lsn);
    }
    if (writtenOn != timeline) {
      return writtenOn < timeline && Long.compareUnsigned(endOfReplay, lsn) >= 0;
    }
    return true;
  }
}

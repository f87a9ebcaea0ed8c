package dev.lsnwait.internal.replica;

import dev.lsnwait.Lsn;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.ReadConsistency;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.primary.PrimaryPosition;
import dev.lsnwait.internal.registry.Registry;
import java.sql.SQLException;

/**
 * What a replica read of one cluster must wait for, at the read consistency in force: the thread's token (session),
 * and for global or bounded reads also a position of the cluster's primary — read after the read started (global),
 * or read at most the bound before it (bounded; usually one the primary's position reader already made, so no round
 * trip).
 */
public final class Requirement {

  private Requirement() {}

  /** The thread's level if a scope set one, else the connection's. */
  public static ReadConsistency levelFor(ReadConsistency connectionDefault) {
    ReadConsistency scoped = ReadConsistency.current();
    return scoped != null ? scoped : connectionDefault;
  }

  /** The position to wait for, or null if nothing is required. */
  public static Lsn of(ReadConsistency level, long cluster, long deadlineNanos, Registry registry)
      throws SQLException {
    long started = System.nanoTime();
    Lsn own = ThreadContext.requiredLsn(cluster, deadlineNanos);
    if (level.level() == ReadConsistency.Level.SESSION) {
      return own;
    }
    PrimaryPosition primary = registry.primaryOf(cluster);
    if (primary == null) {
      throw new PositionUnavailableException("lsnwait: " + level + " reads of cluster "
          + Long.toUnsignedString(cluster) + " need a connection to its primary in this JVM, and none is open", null);
    }
    Lsn others = level.level() == ReadConsistency.Level.GLOBAL
        ? primary.now(deadlineNanos)
        : primary.startedSince(started - level.maxStaleness().toNanos(), deadlineNanos);
    return own == null ? others : own.max(others);
  }

  /**
   * The WAL timeline of what {@link #of} required, 0 if not known: the thread's token's, or for global and bounded
   * reads the later of it and the primary's (as tokens merge).
   */
  public static int timelineOf(ReadConsistency level, long cluster, Registry registry) {
    int own = ThreadContext.requiredTimeline(cluster);
    if (level.level() == ReadConsistency.Level.SESSION) {
      return own;
    }
    PrimaryPosition primary = registry.primaryOf(cluster);
    return primary == null ? own : Math.max(own, primary.timeline());
  }
}

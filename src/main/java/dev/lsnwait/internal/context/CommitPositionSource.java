package dev.lsnwait.internal.context;

import dev.lsnwait.Lsn;
import java.sql.SQLException;

/**
 * Where a commit's WAL position comes from, read lazily: a commit only records {@link #mark()}, and the position is
 * read when a reader needs it, by one read shared with every other commit it covers.
 */
public interface CommitPositionSource {

  /** The {@code system_identifier} of the cluster whose primary this is. */
  long systemIdentifier();

  /** The WAL timeline the primary writes on, as of its last position read; 0 if not known. */
  default int timeline() {
    return 0;
  }

  /** A cheap marker taken after a commit returned: no round trip, only a memory read. */
  long mark();

  /** The deadline of a read whose caller has none of its own ({@code LsnContext.current()}), in nanoTime. */
  long defaultDeadline();

  /**
   * A position at or after the end of every commit that returned before {@code mark} was taken.
   *
   * @param deadlineNanos when to give up, in {@link System#nanoTime()}
   * @throws SQLException if the primary's position cannot be read in time
   */
  Lsn covering(long mark, long deadlineNanos) throws SQLException;
}

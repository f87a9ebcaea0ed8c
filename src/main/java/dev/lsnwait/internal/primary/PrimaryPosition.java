package dev.lsnwait.internal.primary;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Reads one primary server's WAL insert position for the commits made on it, off the committing thread.
 *
 * <p>The insert position is global and only grows, so a {@code pg_current_wal_insert_lsn()} that <em>started</em>
 * after a commit returned covers that commit, whichever connection runs it. A commit therefore only takes
 * {@link #mark()} (a memory read: the number, or epoch, of the last read started) and nudges this reader: within
 * about {@code resolveInterval} of a commit it reads the position once, for every commit since the last read, and
 * keeps it ({@link PositionHistory}). A commit's token is the earliest read after its mark: at most about one
 * interval of WAL after the commit, not whatever the primary reached by the time a reader asks. A reader that comes
 * first asks for a read at once. At most one read per interval while commits happen and tokens are read
 * ({@link ReadPacing}), so the load on the primary is bounded whatever the commit rate; none when nothing commits.
 * The reads run on a daemon thread of this object, so a caller waits only until its own deadline; a connection that
 * died since the last read is replaced at once. A {@code commit()} reads the position in its own round trip
 * ({@link #committed}) and needs none of this.
 *
 * <p>Reads go to the server that committed, checked by its identity: another primary of the same cluster (a split
 * brain) has another history. Only if that server is gone does the cluster's primary now at its address stand in.
 *
 * <p>This class is what commits and tokens ask; which read serves whom, and the hand-off to the reader thread, are
 * {@link SharedReads}.
 */
public final class PrimaryPosition implements CommitPositionSource, AutoCloseable {

  /** The insert position, and the timeline it is written on (a promoted standby's own writes are on a newer one). */
  public static final String QUERY = "SELECT pg_current_wal_insert_lsn()::text, " + ServerInfo.INSERT_TIMELINE;
  private static final long MERGE_COMMITTED_MIN_NANOS = 200_000;

  private final String name;
  private final long systemIdentifier;
  private final long defaultBoundNanos;
  private final ReadPacing pacing;

  private final PositionQuery query; // the reader thread's; any thread may normalize positions with it
  private final SharedReads reads;

  /**
   * @param defaultBound how long a read may take when its caller gives no deadline, and at most in any case (its
   *     connection's network timeout)
   * @param resolveInterval how soon after a commit its position is read, at most one read per interval; zero reads
   *     only when a reader asks
   * @param idleTimeout how long the reader thread stays after the last read
   * @param connections makes connections checked to reach this server (or a stand-in)
   */
  public PrimaryPosition(String name, long systemIdentifier, int walBlockSize, long walSegmentSize,
      Duration defaultBound, Duration resolveInterval, Duration idleTimeout, Supplier<SideConnection> connections) {
    this.name = name;
    this.systemIdentifier = systemIdentifier;
    this.defaultBoundNanos = Math.max(1, defaultBound.toNanos());
    this.pacing = new ReadPacing(resolveInterval.toNanos());
    long mergeCommittedNanos = Math.max(MERGE_COMMITTED_MIN_NANOS, resolveInterval.toNanos());
    long idleNanos = Math.max(1, idleTimeout.toNanos());
    this.query = new PositionQuery(walBlockSize, walSegmentSize, connections);
    this.reads = new SharedReads(name, pacing, idleNanos, mergeCommittedNanos, query);
  }

  @Override
  public long systemIdentifier() {
    return systemIdentifier;
  }

  /** After a commit returned: the epoch of the last read started, and a nudge to read again soon. */
  @Override
  public long mark() {
    long mark = reads.epoch();
    if (pacing.committed()) {
      reads.nudge();
    }
    return mark;
  }

  /**
   * Routing placed work for a position no replica has replayed: its forecasts date positions by this reader's history,
   * which a JVM that commits nothing here (it serves another instance's tokens) would not have. Reads every 50 ms for
   * the next ten seconds.
   */
  public void forecastsWanted() {
    if (pacing.forecastsWanted()) {
      reads.nudge();
    }
  }

  /**
   * Whether commits should read their position in their own round trip ({@link #committed}): while tokens are used
   * (resolved within ten seconds), it saves each a read on the side; while nobody uses them, a mark costs less.
   */
  boolean positionsWanted() {
    return pacing.inUse();
  }

  /**
   * A commit's own round trip, sent at {@code sentAt}, read the insert position after its {@code COMMIT} (as text):
   * it covers the commit, no read needed. Kept to date positions for forecasts.
   */
  Lsn committed(String insertLsn, long sentAt) {
    Lsn lsn = query.position(insertLsn);
    reads.committed(lsn.asLong(), sentAt);
    return lsn;
  }

  @Override
  public long defaultDeadline() {
    return System.nanoTime() + defaultBoundNanos;
  }

  /** The WAL timeline of the latest position read, or 0 before the first read. */
  @Override
  public int timeline() {
    return query.timeline();
  }

  /** The latest position read, or null before the first read. */
  public Lsn lastRead() {
    long latest = reads.ask(PositionHistory::latestPosition);
    return latest == -1 ? null : Lsn.of(latest);
  }

  /** About when (nanoTime) this primary passed {@code lsn} ({@link PositionHistory#timeAt}), or MIN_VALUE. */
  public long timeAt(Lsn lsn) {
    return reads.ask(history -> history.timeAt(lsn.asLong()));
  }

  /** A time by which this primary had passed {@code lsn} ({@link PositionHistory#passedBy}), or MIN_VALUE. */
  public long passedBy(Lsn lsn) {
    return reads.ask(history -> history.passedBy(lsn.asLong()));
  }

  /** For {@code lsn} beyond every read kept, when the latest started ({@link PositionHistory#notPassedBefore}). */
  public long notPassedBefore(Lsn lsn) {
    return reads.ask(history -> history.notPassedBefore(lsn.asLong()));
  }

  /** When this primary was still short of the latest read at or below {@code lsn}, or MIN_VALUE (see shortOf). */
  public long shortOf(Lsn lsn) {
    return reads.ask(history -> history.shortOf(lsn.asLong()));
  }

  /** The time of the latest read at or below {@code lsn}, or {@link Long#MIN_VALUE} (see {@link #timeAt}). */
  public long timeUpTo(Lsn lsn) {
    return reads.ask(history -> history.timeUpTo(lsn.asLong()));
  }

  /** The position now: one read that starts after this call (shared with others waiting), by the deadline. */
  public Lsn now(long deadlineNanos) throws SQLException {
    return reads.now(deadlineNanos);
  }

  /**
   * A position that covers every commit that returned before {@code since} (nanoTime): the earliest read that
   * started since then, kept or in flight, else a new one; by the deadline.
   */
  public Lsn startedSince(long since, long deadlineNanos) throws SQLException {
    return reads.startedSince(since, deadlineNanos);
  }

  @Override
  public Lsn covering(long mark, long deadlineNanos) throws SQLException {
    return reads.covering(mark, deadlineNanos);
  }

  /** Ends the reader thread (after a read in flight) and closes its connection. */
  @Override
  public void close() {
    reads.close();
  }

  @Override
  public String toString() {
    return "PrimaryPosition[" + name + "]";
  }
}

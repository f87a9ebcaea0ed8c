package dev.lsnwait.internal.primary;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
 */
public final class PrimaryPosition implements CommitPositionSource, AutoCloseable {

  /** The insert position, and the timeline it is written on (a promoted standby's own writes are on a newer one). */
  public static final String QUERY = "SELECT pg_current_wal_insert_lsn()::text, " + ServerInfo.INSERT_TIMELINE;
  private static final int HISTORY = 512;
  private static final long MERGE_COMMITTED_MIN_NANOS = 200_000;

  private final String name;
  private final long systemIdentifier;
  private final long defaultBoundNanos;
  private final long idleNanos;
  private final ReadPacing pacing;
  private final long mergeCommittedNanos; // positions commits read: one kept per resolveInterval, as reads are

  private final AtomicLong started = new AtomicLong(); // the epoch of the last read started
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wanted = lock.newCondition();
  private final PositionHistory history = new PositionHistory(HISTORY); // guarded by lock
  private PositionRead inFlight; // guarded by lock
  private PositionRead next; // guarded by lock: the read that starts next, for those who asked for it
  private boolean reading; // guarded by lock: a thread is the reader (see PositionReader)
  private boolean closed; // guarded by lock

  private final PositionQuery query; // the reader thread's; any thread may normalize positions with it
  private final PositionReader reader;

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
    this.mergeCommittedNanos = Math.max(MERGE_COMMITTED_MIN_NANOS, resolveInterval.toNanos());
    this.idleNanos = Math.max(1, idleTimeout.toNanos());
    this.query = new PositionQuery(walBlockSize, walSegmentSize, connections);
    this.reader = new PositionReader(this, name, query);
  }

  @Override
  public long systemIdentifier() {
    return systemIdentifier;
  }

  /** After a commit returned: the epoch of the last read started, and a nudge to read again soon. */
  @Override
  public long mark() {
    long mark = started.get();
    if (pacing.committed()) {
      lock.lock();
      try {
        ensureReader();
        wanted.signal();
      } finally {
        lock.unlock();
      }
    }
    return mark;
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
    long now = System.nanoTime();
    lock.lock();
    try {
      history.addUnnumbered(lsn.asLong(), now, sentAt, mergeCommittedNanos);
    } finally {
      lock.unlock();
    }
    return lsn;
  }

  @Override
  public long defaultDeadline() {
    return System.nanoTime() + defaultBoundNanos;
  }

  /** The WAL timeline of the latest position read, or 0 before the first read. */
  @Override
  public int timeline() {
    return reader.timeline();
  }

  /** The latest position read, or null before the first read. */
  public Lsn lastRead() {
    long latest = locked(history::latestPosition);
    return latest == -1 ? null : Lsn.of(latest);
  }

  /** About when (nanoTime) this primary passed {@code lsn} ({@link PositionHistory#timeAt}), or MIN_VALUE. */
  public long timeAt(Lsn lsn) {
    return locked(() -> history.timeAt(lsn.asLong()));
  }

  /** The time of the latest read at or below {@code lsn}, or {@link Long#MIN_VALUE} (see {@link #timeAt}). */
  public long timeUpTo(Lsn lsn) {
    return locked(() -> history.timeUpTo(lsn.asLong()));
  }

  /** Asks the history under the lock. */
  private long locked(java.util.function.LongSupplier question) {
    lock.lock();
    try {
      return question.getAsLong();
    } finally {
      lock.unlock();
    }
  }

  /** The position now: one read that starts after this call (shared with others waiting), by the deadline. */
  public Lsn now(long deadlineNanos) throws SQLException {
    return covering(started.get(), deadlineNanos);
  }

  /**
   * A position that covers every commit that returned before {@code since} (nanoTime): the earliest read that
   * started since then, kept or in flight, else a new one; by the deadline.
   */
  public Lsn startedSince(long since, long deadlineNanos) throws SQLException {
    PositionRead inFlightNow;
    lock.lock();
    try {
      long known = history.startedSince(since);
      if (known != -1) {
        return Lsn.of(known);
      }
      inFlightNow = inFlight;
    } finally {
      lock.unlock();
    }
    if (inFlightNow != null && inFlightNow.startedAt - since >= 0) {
      pacing.used();
      return inFlightNow.await(deadlineNanos, name);
    }
    return now(deadlineNanos);
  }

  @Override
  public Lsn covering(long mark, long deadlineNanos) throws SQLException {
    return PositionRead.retrying(() -> coveringOnce(mark, deadlineNanos), deadlineNanos);
  }

  private Lsn coveringOnce(long mark, long deadlineNanos) throws SQLException {
    pacing.used();
    PositionRead awaited;
    lock.lock();
    try {
      if (closed) {
        throw closedException();
      }
      long known = history.coveringPosition(mark);
      if (known != -1) {
        return Lsn.of(known);
      }
      if (inFlight != null && inFlight.epoch > mark) {
        awaited = inFlight; // began after the commit: it covers it
      } else {
        if (next == null) {
          next = new PositionRead();
        }
        awaited = next; // its epoch, given when it starts, will be after the mark
        ensureReader();
        wanted.signal();
      }
    } finally {
      lock.unlock();
    }
    return awaited.await(deadlineNanos, name);
  }

  /** Starts a reader thread if none is the reader. Called with the lock held, on a committing thread too. */
  private void ensureReader() {
    if (!reading && !closed) {
      reading = reader.start();
    }
  }

  /** The reader, its connection closed: whether it reads on (asked, or commits meanwhile); else it stops being it. */
  boolean readOnAfterClosing() {
    lock.lock();
    try {
      if (!closed && (next != null || pacing.pending())) {
        return true;
      }
      reading = false;
      failNext(closedException());
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** The reader: blocks until a read is due (asked, or an interval after commits); null: go idle, or closed. */
  PositionRead nextRead() {
    lock.lock();
    try {
      long idleSince = System.nanoTime();
      while (true) {
        long now = System.nanoTime();
        if (closed || (next == null && !pacing.pending() && now - idleSince >= idleNanos)) {
          return null;
        }
        long wait = next != null ? 0 : pacing.dueIn(now, idleNanos);
        if (wait <= 0) {
          break;
        }
        try {
          wanted.awaitNanos(wait);
        } catch (InterruptedException e) {
          // only close() ends the reader, and it sets closed first
        }
      }
      PositionRead read = next != null ? next : new PositionRead();
      read.startedAt = System.nanoTime();
      read.since = pacing.starting(read.startedAt); // before the epoch moves on
      next = null;
      read.epoch = started.incrementAndGet();
      inFlight = read;
      return read;
    } finally {
      lock.unlock();
    }
  }

  private SQLTransientException closedException() {
    return new SQLTransientException("lsnwait: the WAL position reader for " + name + " is closed", "08003");
  }

  private void failNext(Exception cause) {
    if (next != null) {
      next.result.completeExceptionally(cause);
      next = null;
    }
  }

  /** The reader thread: a read ended, with a position or a failure. */
  void finished(PositionRead read, Lsn lsn, Exception failure) {
    lock.lock();
    try {
      inFlight = null;
      if (lsn != null) {
        history.add(read.epoch, lsn.asLong(), read.since, read.startedAt);
      }
    } finally {
      lock.unlock();
    }
    if (failure != null) {
      read.result.completeExceptionally(failure);
    } else {
      read.result.complete(lsn);
    }
  }

  /** Ends the reader thread (after a read in flight) and closes its connection. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      wanted.signalAll();
      if (!reading) {
        failNext(closedException());
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "PrimaryPosition[" + name + "]";
  }
}

package dev.lsnwait.internal.primary;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.ResultSet;
import java.sql.SQLException;
import dev.lsnwait.PositionUnavailableException;
import java.sql.SQLTransientException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Reads one primary server's WAL insert position for commits made on it, lazily and shared.
 *
 * <p>The insert position is global and only grows, so one {@code pg_current_wal_insert_lsn()} that <em>started</em>
 * after a commit returned covers that commit, whichever connection runs it. A commit therefore only takes
 * {@link #mark()} (a memory read); whoever first needs a position calls {@link #covering}, which reuses the last
 * read or the read in flight when it started late enough, and otherwise starts one read that serves every waiting
 * caller. The write path makes no extra round trip; a read-after-write makes at most one, shared.
 *
 * <p>Each read is numbered (its epoch) before its query is sent; a mark is the number of the last read that had
 * started, so a read whose epoch is greater than a mark began after the commit that took the mark.
 *
 * <p>Reads go to the server that committed, checked by its identity: another primary of the same cluster (a split
 * brain) has another history. Only if that server is gone does the cluster's primary now at its address stand in.
 */
public final class PrimaryPosition implements CommitPositionSource, AutoCloseable {

  public static final String QUERY = "SELECT pg_current_wal_insert_lsn()::text";

  private final String name;
  private final long systemIdentifier;
  private final int walBlockSize;
  private final long walSegmentSize;
  private final long defaultBoundNanos;
  private final Supplier<SideConnection> connections;

  private final AtomicLong epochs = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private long lastEpoch; // guarded by lock: the epoch of the latest successful read, 0 before any
  private Lsn lastLsn; // guarded by lock: its result
  private Read inFlight; // guarded by lock
  private boolean closed; // guarded by lock

  // Used only by the thread running the read in flight: one at a time.
  private SideConnection connection;

  /** One daemon thread runs the reads, so a caller waits only until its own deadline. */
  private final ThreadPoolExecutor reader;

  /**
   * @param defaultBound how long a read may take when its caller gives no deadline, and at most in any case (its
   *     connection's network timeout)
   * @param connections makes connections checked to reach this server (or a stand-in)
   */
  public PrimaryPosition(
      String name,
      long systemIdentifier,
      int walBlockSize,
      long walSegmentSize,
      java.time.Duration defaultBound,
      Supplier<SideConnection> connections) {
    this.name = name;
    this.systemIdentifier = systemIdentifier;
    this.walBlockSize = walBlockSize;
    this.walSegmentSize = walSegmentSize;
    this.defaultBoundNanos = Math.max(1, defaultBound.toNanos());
    this.connections = connections;
    this.reader = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
      Thread thread = new Thread(task, "lsnwait-position[" + name + "]");
      thread.setDaemon(true);
      return thread;
    });
    this.reader.allowCoreThreadTimeOut(true);
  }

  @Override
  public long systemIdentifier() {
    return systemIdentifier;
  }

  @Override
  public long mark() {
    return epochs.get();
  }

  @Override
  public long defaultDeadline() {
    return System.nanoTime() + defaultBoundNanos;
  }

  /** The latest position read, or null before the first read. */
  public Lsn lastRead() {
    lock.lock();
    try {
      return lastLsn;
    } finally {
      lock.unlock();
    }
  }

  /** The position now: one read that starts after this call (shared with others in flight), by the deadline. */
  public Lsn now(long deadlineNanos) throws SQLException {
    return covering(mark(), deadlineNanos);
  }

  @Override
  public Lsn covering(long mark, long deadlineNanos) throws SQLException {
    while (true) {
      Read mine = null;
      Read awaited;
      lock.lock();
      try {
        if (closed) {
          throw new SQLTransientException("lsnwait: the WAL position reader for " + name + " is closed", "08003");
        }
        if (lastLsn != null && lastEpoch > mark) {
          return lastLsn;
        }
        if (inFlight == null) {
          inFlight = mine = new Read(epochs.incrementAndGet());
        }
        awaited = inFlight;
      } finally {
        lock.unlock();
      }
      if (mine != null) {
        start(mine);
      }
      Lsn lsn = await(awaited, deadlineNanos);
      if (awaited.epoch > mark) {
        return lsn;
      }
      // That read began before the commit returned: wait for a newer one.
    }
  }

  private void start(Read read) {
    try {
      Read started = read;
      reader.execute(() -> run(started));
    } catch (RejectedExecutionException e) { // closed meanwhile
      read.result.completeExceptionally(e);
      lock.lock();
      try {
        inFlight = null;
      } finally {
        lock.unlock();
      }
    }
  }

  private void run(Read read) {
    Lsn lsn = null;
    SQLException failure = null;
    try {
      lsn = query();
    } catch (SQLException e) {
      failure = e;
    } catch (RuntimeException e) {
      failure = new SQLException("lsnwait: reading the WAL position of " + name + " failed", e);
    }
    if (failure != null && connection != null) {
      connection.failed();
    }
    boolean closeNow;
    lock.lock();
    try {
      inFlight = null;
      if (lsn != null && read.epoch > lastEpoch) {
        lastEpoch = read.epoch;
        lastLsn = lsn;
      }
      closeNow = closed;
    } finally {
      lock.unlock();
    }
    if (closeNow) {
      closeConnection();
    }
    if (failure != null) {
      read.result.completeExceptionally(failure);
    } else {
      read.result.complete(lsn);
    }
  }

  /** One read; a connection that died since the last read is replaced once, at once. */
  private Lsn query() throws SQLException {
    if (connection == null) {
      connection = connections.get();
    }
    boolean reused = connection.isOpen();
    try {
      return queryOnce();
    } catch (SQLException e) {
      if (!reused) {
        throw e;
      }
      connection.close();
      return queryOnce();
    }
  }

  private Lsn queryOnce() throws SQLException {
    try (ResultSet row = connection.statement().executeQuery()) {
      row.next();
      connection.succeeded();
      return Lsn.parse(row.getString(1)).normalize(walBlockSize, walSegmentSize);
    }
  }

  private Lsn await(Read read, long deadline) throws SQLException {
    try {
      return read.result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PositionUnavailableException(
          "lsnwait: interrupted while reading the WAL position of " + name, e);
    } catch (TimeoutException e) {
      throw new PositionUnavailableException(
          "lsnwait: could not read the WAL position of " + name + " in time; the statement did not run", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new PositionUnavailableException("lsnwait: could not read the WAL position of " + name + ": "
          + cause.getMessage() + "; the statement did not run", cause);
    }
  }

  private void closeConnection() {
    if (connection != null) {
      connection.close();
    }
  }

  @Override
  public void close() {
    boolean busy;
    lock.lock();
    try {
      closed = true;
      busy = inFlight != null; // then the thread running that read closes the connection when it ends
    } finally {
      lock.unlock();
    }
    reader.shutdown();
    if (!busy) {
      closeConnection(); // no read runs, and none can start any more
    }
  }

  @Override
  public String toString() {
    return "PrimaryPosition[" + name + "]";
  }

  private static final class Read {
    final long epoch;
    final CompletableFuture<Lsn> result = new CompletableFuture<>();

    Read(long epoch) {
      this.epoch = epoch;
    }
  }
}

package dev.lsnwait.internal.primary;

import dev.lsnwait.Lsn;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToLongFunction;

/**
 * The position reads of one primary, handed off between the callers who need a position and the
 * {@link PositionReader} thread that runs the reads: the read in flight, the next one asked for, and what earlier
 * reads found ({@link PositionHistory}). A caller takes a kept position that covers it, else waits on the read in
 * flight if that started late enough, else on the next one, which it asks the reader for. All of it sits under one
 * lock, so that "is one kept?" and "is one in flight?" are one look (a read that ends in between is not missed and
 * read again); callers wait for reads outside it. A {@link ReentrantLock}, not {@code synchronized}, so that a virtual
 * thread waiting for it does not pin its carrier.
 */
final class SharedReads {

  private static final int HISTORY = 512;

  private final String name;
  private final ReadPacing pacing;
  private final long idleNanos;
  private final long mergeCommittedNanos; // positions commits read: one kept per resolveInterval, as reads are
  private final PositionReader reader;

  private final AtomicLong started = new AtomicLong(); // the epoch of the last read started
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wanted = lock.newCondition();
  private final PositionHistory history = new PositionHistory(HISTORY); // guarded by lock
  private PositionRead inFlight; // guarded by lock
  private PositionRead next; // guarded by lock: the read that starts next, for those who asked for it
  private boolean reading; // guarded by lock: a thread is the reader (see PositionReader)
  private boolean closed; // guarded by lock

  /**
   * @param idleNanos how long the reader thread stays after the last read
   * @param query the reader thread's
   */
  SharedReads(String name, ReadPacing pacing, long idleNanos, long mergeCommittedNanos, PositionQuery query) {
    this.name = name;
    this.pacing = pacing;
    this.idleNanos = idleNanos;
    this.mergeCommittedNanos = mergeCommittedNanos;
    this.reader = new PositionReader(this, name, query);
  }

  /** The epoch of the last read started: a commit's mark. */
  long epoch() {
    return started.get();
  }

  /** Has the reader look again (commits are pending): starts a reader thread if none is the reader. */
  void nudge() {
    lock.lock();
    try {
      ensureReader();
      wanted.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Keeps a position a commit read in its own round trip, sent at {@code sentAt}, to date positions. */
  void committed(long position, long sentAt) {
    long now = System.nanoTime();
    lock.lock();
    try {
      history.addUnnumbered(position, now, sentAt, mergeCommittedNanos);
    } finally {
      lock.unlock();
    }
  }

  /** Asks the kept reads ({@link PositionHistory}: when positions were passed, the latest read) under the lock. */
  long ask(ToLongFunction<PositionHistory> question) {
    lock.lock();
    try {
      return question.applyAsLong(history);
    } finally {
      lock.unlock();
    }
  }

  /** The position now: one read that starts after this call (shared with others waiting), by the deadline. */
  Lsn now(long deadlineNanos) throws SQLException {
    return covering(started.get(), deadlineNanos);
  }

  /** See {@link PrimaryPosition#startedSince}; tried again while reads fail, as {@link #covering} is. */
  Lsn startedSince(long since, long deadlineNanos) throws SQLException {
    return PositionRead.retrying(() -> startedSinceOnce(since, deadlineNanos), deadlineNanos);
  }

  private Lsn startedSinceOnce(long since, long deadlineNanos) throws SQLException {
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
      used();
      return inFlightNow.await(deadlineNanos, name); // if it fails, the next attempt waits for a read after it
    }
    return coveringOnce(started.get(), deadlineNanos);
  }

  /** The earliest read after {@code mark}, kept, in flight or asked for; tried again while reads fail. */
  Lsn covering(long mark, long deadlineNanos) throws SQLException {
    return PositionRead.retrying(() -> coveringOnce(mark, deadlineNanos), deadlineNanos);
  }

  /** A token was resolved; the first after a quiet spell has the reader look again (its interval shrinks). */
  private void used() {
    if (pacing.used()) {
      lock.lock();
      try {
        wanted.signal();
      } finally {
        lock.unlock();
      }
    }
  }

  private Lsn coveringOnce(long mark, long deadlineNanos) throws SQLException {
    used();
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
      pacing.stopPacing(); // before pending() is read: a commit from now on nudges
      if (!closed && (next != null || pacing.pending())) {
        return true;
      }
      failNext(closedException()); // first: an Error here leaves this thread the reader, for readerEnded
      reading = false;
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The reader thread ended on an {@link Error}, its connection closed: the read it ran fails (those waiting on it
   * try again, within their deadlines), it is no longer the reader, and a read asked for meanwhile gets a new thread
   * (commits alone do not start one: an error that repeats would start a thread a read).
   */
  void readerEnded(Error cause) {
    PositionRead lost;
    lock.lock();
    try {
      lost = inFlight;
      inFlight = null;
      reading = false;
      pacing.stopPacing(); // nobody wakes at the paced interval's end any more
      if (closed) {
        failNext(closedException()); // close() left it to the reader, which is gone
      } else if (next != null) {
        ensureReader();
      }
    } finally {
      lock.unlock();
    }
    if (lost != null) {
      lost.result.completeExceptionally(
          new SQLTransientException("lsnwait: the WAL position reader for " + name + " ended on " + cause, cause));
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

  /** Ends the reader thread (after a read in flight); it closes its connection. */
  void close() {
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
}

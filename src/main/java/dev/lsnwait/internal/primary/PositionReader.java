package dev.lsnwait.internal.primary;

import dev.lsnwait.Lsn;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.internal.DaemonThread;
import java.sql.SQLException;

/**
 * The thread that runs one primary's position reads, one at a time, on a connection of its own: its
 * {@link SharedReads} says when a read is due and keeps what it read, and starts a thread only while none is the
 * reader. A thread that goes idle closes its connection while it is still the reader, and only then asks to stop:
 * a read asked for during the close is left to it (on a new connection), never to a second thread that would use,
 * or replace, the connection being closed.
 */
final class PositionReader {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.primary");

  private final SharedReads owner;
  private final String name;
  private final PositionQuery query; // the reader thread's

  PositionReader(SharedReads owner, String name, PositionQuery query) {
    this.owner = owner;
    this.name = name;
    this.query = query;
  }

  /**
   * Starts a reader thread; false if none could start. The owner calls it with its lock held, only while no thread
   * is the reader, on a committing thread too: it never throws (without a thread, readers time out with
   * {@link PositionUnavailableException}).
   */
  boolean start() {
    Thread thread = DaemonThread.of(this::readWhileWanted, "lsnwait-position[" + name + "]");
    try {
      thread.start();
      return true;
    } catch (OutOfMemoryError | RuntimeException e) { // "unable to create native thread"
      LOG.log(System.Logger.Level.WARNING, "lsnwait: cannot start the position reader of " + name, e);
      return false;
    }
  }

  private void readWhileWanted() {
    try {
      boolean reader = true;
      while (reader) {
        PositionRead read;
        while ((read = owner.nextRead()) != null) {
          run(read);
        }
        query.close(); // still the reader while it closes: no other thread touches the connection meanwhile
        reader = owner.readOnAfterClosing();
      }
    } catch (Error e) { // a stack overflow in the driver, out of memory: not the end of position reads
      try {
        query.close();
      } finally {
        owner.readerEnded(e); // also when the close fails in turn (out of memory again)
      }
      throw e;
    }
  }

  private void run(PositionRead read) {
    Lsn lsn = null;
    Exception failure = null;
    try {
      lsn = query.read();
    } catch (SQLException | RuntimeException e) {
      failure = e;
      query.failed();
    }
    owner.finished(read, lsn, failure);
  }
}

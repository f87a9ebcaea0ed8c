package dev.lsnwait.internal.replica;

import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.registry.ServerLookup;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.tracker.ReplayState;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * A replica connection behind a transaction pooler (PgBouncer in transaction mode over several standbys, PgCat,
 * PgDog, a reader endpoint): each of its transactions may run on another server, so the server it was opened on says
 * nothing of the next read. Before a read that needs a position, its transaction is begun (also around an
 * auto-commit statement) and the server that runs it asked, in the same round trip, who it is and how far it
 * replayed: the read's own server, for the whole transaction. lsnwait commits the transaction it began around an
 * auto-commit statement once the statement returned. One thread uses it at a time, as its connection.
 */
final class TransactionPin {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait");
  /**
   * Replay state (columns 1-3), which start of a server it is (4-5: its cluster is the connection's, whose
   * {@code pg_control_system()} would cost a file read each time), and the isolation the transaction runs at (6).
   */
  static final String IDENTIFY = ServerTracker.POLL_QUERY + ", current_setting('transaction_isolation')";

  /**
   * The server the open transaction runs on.
   *
   * @param state what it said of its replay, read in the transaction
   * @param snapshotTaken whether that read fixed the transaction's snapshot (repeatable read or serializable)
   */
  record Pinned(Server server, ReplayState state, boolean snapshotTaken) {}

  private final BaseConnection own;
  private final ServerLookup servers;
  private boolean pinned; // the open transaction's server is known
  private boolean begun; // lsnwait began the open transaction (nothing of the application ran in it yet)
  private boolean wrapping; // ... around an auto-commit statement: lsnwait commits it after the statement

  TransactionPin(BaseConnection own, ServerLookup servers) {
    this.own = own;
    this.servers = servers;
  }

  /** Whether the transaction the next statement runs in has not been asked yet. */
  boolean needed() throws SQLException {
    if (own.getTransactionState() == TransactionState.IDLE) {
      pinned = false;
      begun = false;
      wrapping = false;
    }
    return !pinned;
  }

  /**
   * Begins the statement's transaction if none is open, and asks its server, of {@code cluster}; null if no statement
   * follows in auto-commit (nothing would end the transaction).
   */
  Pinned pin(long cluster, boolean statementFollows) throws SQLException {
    boolean begin = own.getTransactionState() == TransactionState.IDLE;
    if (begin && own.getAutoCommit() && !statementFollows) {
      return null; // nothing would end a transaction begun here: work through pgjdbc's own API is not pinned
    }
    boolean autoCommit = own.getAutoCommit();
    try (Statement statement = own.createStatement()) {
      // Without auto-commit pgjdbc begins the transaction itself; with it, lsnwait does, in the same round trip.
      statement.execute(begin && autoCommit ? "BEGIN; " + IDENTIFY : IDENTIFY);
      begun = begin;
      wrapping = begin && autoCommit;
      if (wrapping && !statement.getMoreResults()) {
        throw new SQLException("lsnwait: the replica returned no replay position");
      }
      try (ResultSet row = statement.getResultSet()) {
        row.next();
        ReplayState state = ReplayState.read(row);
        ServerIdentity identity = new ServerIdentity(cluster, row.getLong(4), row.getLong(5));
        boolean snapshotTaken = !"read committed".equals(row.getString(6))
            && !"read uncommitted".equals(row.getString(6));
        Server server = servers.known(identity);
        if (server == null) {
          server = servers.server(OwnConnectionWait.describe(own)); // first sight of it: in the same transaction
        }
        pinned = true;
        return new Pinned(server, state, snapshotTaken);
      }
    }
  }

  /** After the statement: commits the transaction lsnwait began around an auto-commit statement. */
  void statementDone() {
    if (wrapping) {
      end("COMMIT");
    }
  }

  /** The statement will not run here: ends the transaction lsnwait began, if it did (the application's it leaves). */
  void abandon() {
    if (begun) {
      end("ROLLBACK");
    }
  }

  private void end(String how) {
    begun = false;
    wrapping = false;
    pinned = false;
    try {
      own.execSQLUpdate(how);
    } catch (SQLException e) { // a broken connection: the application's next statement says so
      LOG.log(System.Logger.Level.DEBUG, "lsnwait: cannot end the transaction around a replica read ({0}): {1}",
          how, e.getMessage());
    }
  }
}

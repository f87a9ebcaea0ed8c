package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;

/**
 * Which member of a routing connection holds what only its own server session has, that later statements may
 * name: temporary tables, views and sequences, and holdable cursors. Read-only work runs there while it holds them
 * (a temporary table may also shadow a permanent one of the same name: the replica would answer from that). The
 * words of a statement say when such things may have been made or dropped ({@link SqlEffect#holdsSession},
 * {@link SqlEffect#mayFreeSession}); the server says, outside a transaction, whether any are left: once after such a
 * statement, so that a guess costs one round trip, never a read on the wrong server.
 */
final class SessionObjects {

  private static final String ANY_LEFT = "SELECT EXISTS (SELECT FROM pg_catalog.pg_class"
      + " WHERE relnamespace = pg_catalog.pg_my_temp_schema()) OR EXISTS (SELECT FROM pg_catalog.pg_cursors"
      + " WHERE is_holdable)";

  private final ProxyConnection primary;
  private ProxyConnection holder; // null: none known
  private boolean unsure; // a statement may have made or dropped some since the server was last asked

  SessionObjects(ProxyConnection primary) {
    this.primary = primary;
  }

  /** The member that holds them, or null (also once its connection closed: a replica's that broke). */
  ProxyConnection holder() throws SQLException {
    if (holder != null && holder.isClosed()) {
      holder = null;
      unsure = false;
    }
    return holder;
  }

  /** A statement with {@code effect} ran, or failed, on {@code member}: asks the server if it may have changed them. */
  void ran(ProxyConnection member, SqlEffect effect) throws SQLException {
    if (effect.holdsSession()) {
      holder = holder == null || holder == member ? member : primary; // two holders: rare, and the primary writes
      unsure = true;
    } else if (effect.mayFreeSession() && holder == member) {
      unsure = true;
    }
    settle();
  }

  /**
   * Outside a transaction on the holder (one rolled back drops what it made; {@code ON COMMIT DROP}), asks it once
   * whether any are left. If the question fails, they count as held.
   */
  void settle() throws SQLException {
    if (!unsure || holder == null || holder.inTransaction()) {
      return;
    }
    boolean anyLeft = true;
    try {
      Connection server = (Connection) holder.unwrap(PGConnection.class); // lsnwait's hooks would wait, or mark
      try (Statement statement = server.createStatement(); ResultSet answer = statement.executeQuery(ANY_LEFT)) {
        anyLeft = !answer.next() || answer.getBoolean(1);
      } finally {
        if (!server.getAutoCommit()) {
          server.rollback(); // the question began a transaction: the application's begins with its next statement
        }
      }
      unsure = false;
    } catch (SQLException e) {
      return; // asked again after the next statement; the statement's own outcome stands
    }
    if (!anyLeft) {
      holder = null;
    }
  }
}

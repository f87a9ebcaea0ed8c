package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Whether a routing connection's primary session holds what only it has, that later statements may name: temporary
 * tables, views and sequences, and holdable cursors. Read-only work runs on the primary while it holds them (a
 * temporary table may also shadow a permanent one of the same name: a replica would answer from that). The words of
 * a statement say when such things may have been made or dropped ({@link SqlEffect#holdsSession},
 * {@link SqlEffect#mayFreeSession}); the server says, outside a transaction, whether any are left: once after such a
 * statement, so that a guess costs one round trip, never a read on the wrong server. A replica makes no temporary
 * tables; a cursor declared with hold in a read-only transaction on a replica stays there, and is not followed.
 */
final class SessionObjects {

  private static final String ANY_LEFT = "SELECT EXISTS (SELECT FROM pg_catalog.pg_class"
      + " WHERE relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())"
      + " OR EXISTS (SELECT FROM pg_catalog.pg_cursors WHERE is_holdable)";

  private final ProxyConnection primary;
  private boolean held; // the primary's session may hold some
  private boolean unsure; // a statement may have made or dropped some since the server was last asked

  SessionObjects(ProxyConnection primary) {
    this.primary = primary;
  }

  /** Whether read-only work must run on the primary, where they are. */
  boolean held() {
    return held;
  }

  /** A statement with {@code effect} ran, or failed, on {@code member}: asks the server if it may have changed them. */
  void ran(ProxyConnection member, SqlEffect effect) throws SQLException {
    if (member != primary) {
      return;
    }
    if (effect.holdsSession()) {
      held = true;
      unsure = true;
    } else if (effect.mayFreeSession() && held) {
      unsure = true;
    }
    settle();
  }

  /**
   * Outside a transaction on the primary (one rolled back drops what it made; {@code ON COMMIT DROP}), asks it once
   * whether any are left. If the question fails, they count as held.
   */
  void settle() throws SQLException {
    if (!unsure || !held || primary.inTransaction()) {
      return;
    }
    try {
      held = OwnConnection.ask(primary, server -> {
        try (Statement statement = server.createStatement(); ResultSet answer = statement.executeQuery(ANY_LEFT)) {
          return !answer.next() || answer.getBoolean(1);
        }
      });
      unsure = false;
    } catch (SQLException e) {
      // asked again after the next statement; the statement's own outcome stands
    }
  }
}

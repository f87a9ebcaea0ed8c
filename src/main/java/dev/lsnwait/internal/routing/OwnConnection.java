package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;

/**
 * Work a routing connection does on a member's own pgjdbc connection, out of sight of lsnwait's hooks (on a replica
 * they would wait for a position, on a primary they would note a write): questions about the session, checks.
 */
final class OwnConnection {

  /** Work on the member's pgjdbc connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(BaseConnection server) throws SQLException;
  }

  private OwnConnection() {}

  /**
   * A question outside the application's transaction: with auto-commit off, the transaction it began is rolled back,
   * and the application's begins with its next statement.
   */
  static <T> T ask(ProxyConnection member, Work<T> question) throws SQLException {
    BaseConnection server = member.unwrap(BaseConnection.class);
    try {
      return question.run(server);
    } finally {
      if (!server.isClosed() && !server.getAutoCommit()) {
        server.rollback();
      }
    }
  }

  /**
   * Work that a hung server must not hold: its network timeout is at most {@code millis} (the connection's own is
   * restored after); a timeout breaks the connection (pgjdbc closes it).
   */
  static <T> T bounded(ProxyConnection member, int millis, Work<T> work) throws SQLException {
    BaseConnection server = member.unwrap(BaseConnection.class);
    int own = server.getNetworkTimeout();
    server.setNetworkTimeout(Runnable::run, own > 0 ? Math.min(own, millis) : millis);
    try {
      return work.run(server);
    } finally {
      if (!server.isClosed()) {
        server.setNetworkTimeout(Runnable::run, own);
      }
    }
  }
}

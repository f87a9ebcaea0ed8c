package dev.lsnwait.internal.server;

import dev.lsnwait.internal.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One of lsnwait's own connections to one server (a tracker's polls, a primary's position reads): opened lazily,
 * checked to have reached that very server (through a load balancer it may not have), with one prepared query, a
 * back-off after failures, and closed when its user is done. One thread uses it at a time.
 */
public final class SideConnection implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.server");
  private static final String WHO = "SELECT " + ServerIdentity.COLUMNS + ", pg_is_in_recovery()";
  private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** What a server reached through a route is to its user. */
  public enum Verdict {
    /** The server it is for. */
    THE_SERVER,
    /** Another server that will do if the one it is for cannot be found. */
    STAND_IN,
    /** Of no use. */
    OTHER
  }

  /** Judges a server by its identity and recovery state. */
  @FunctionalInterface
  public interface Judge {
    Verdict judge(ServerIdentity identity, boolean inRecovery);
  }

  private final String serverName;
  private final ServerRoutes routes;
  private final Judge judge;
  private final String query;
  private final int networkTimeoutMillis;

  private Connection connection;
  private PreparedStatement statement;
  private Statement plain;
  private boolean standIn;
  private int failuresInARow;
  private long retryAt;

  /**
   * @param networkTimeout the longest a query on it may block (its socket's timeout), so that a hung server never
   *     hangs lsnwait, whatever {@code socketTimeout} the application chose
   */
  public SideConnection(String serverName, ServerRoutes routes, Judge judge, String query, Duration networkTimeout) {
    this.serverName = serverName;
    this.routes = routes;
    this.judge = judge;
    this.query = query;
    this.networkTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, networkTimeout.toMillis()));
  }

  /**
   * The prepared query, on a connection checked to reach the server (or a stand-in); opens one if needed.
   *
   * @throws SQLException if no route reaches it: retry after {@link #retryDelayNanos()}
   */
  public PreparedStatement statement() throws SQLException {
    if (statement == null) {
      open();
    }
    return statement;
  }

  /** A plain statement on the same connection (opened, and checked, if needed): for SQL that cannot be prepared. */
  public Statement plainStatement() throws SQLException {
    statement();
    if (plain == null) {
      plain = connection.createStatement();
    }
    return plain;
  }

  /** Whether a connection is open (the next use makes no new one). */
  public boolean isOpen() {
    return statement != null;
  }

  /** Whether the open connection reached a stand-in rather than the server itself. */
  public boolean isStandIn() {
    return standIn;
  }

  private void open() throws SQLException {
    Connection candidate = null;
    SQLException last = null;
    try {
      for (ServerRoutes.Route route : routes.routes()) {
        for (int attempt = 0; attempt < route.attempts(); attempt++) {
          Connection opened;
          Verdict verdict;
          try {
            opened = route.factory().open();
            verdict = check(opened);
          } catch (SQLException e) {
            last = e;
            break; // this address does not answer: the next one
          }
          if (verdict == Verdict.THE_SERVER) {
            use(opened, false);
            return;
          }
          if (verdict == Verdict.STAND_IN && candidate == null) {
            candidate = opened;
          } else {
            Jdbc.closeQuietly(opened);
          }
        }
      }
      if (candidate != null) {
        LOG.log(System.Logger.Level.WARNING,
            "lsnwait: " + serverName + " cannot be reached any more; using the server now at "
                + routes.reachedAddress() + " instead (a restart or a failover)");
        Connection chosen = candidate;
        candidate = null;
        use(chosen, true);
        return;
      }
      throw unreachable(last);
    } catch (SQLException | RuntimeException e) {
      Jdbc.closeQuietly(candidate);
      failed();
      throw e;
    }
  }

  private Verdict check(Connection opened) throws SQLException {
    try (Statement who = opened.createStatement();
        ResultSet row = who.executeQuery(WHO)) {
      row.next();
      return judge.judge(ServerIdentity.read(row, 1), row.getBoolean(4));
    } catch (SQLException | RuntimeException e) {
      Jdbc.closeQuietly(opened);
      throw e;
    }
  }

  private void use(Connection opened, boolean isStandIn) throws SQLException {
    try {
      opened.setAutoCommit(true);
      opened.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
      statement = opened.prepareStatement(query);
      connection = opened;
      standIn = isStandIn;
    } catch (SQLException | RuntimeException e) {
      Jdbc.closeQuietly(opened);
      throw e;
    }
  }

  private SQLException unreachable(SQLException cause) {
    String why = cause != null ? cause.getMessage() : "every connection reached another server";
    return new SQLException("lsnwait: cannot reach " + serverName + " through " + describeRoutes() + " (" + why + ")",
        "08001", cause);
  }

  private String describeRoutes() {
    StringBuilder text = new StringBuilder();
    for (ServerRoutes.Route route : routes.routes()) {
      text.append(text.length() == 0 ? "" : " or ").append(route.address());
    }
    return text.toString();
  }

  /** A query on it failed: closes it, so the next use opens a new one after the back-off. */
  public void failed() {
    close();
    failuresInARow++;
    retryAt = System.nanoTime() + retryDelayNanos();
  }

  /** A query on it worked: the back-off starts over. */
  public void succeeded() {
    failuresInARow = 0;
  }

  /** Whether the last attempt failed and its back-off has not passed. */
  public boolean backingOff() {
    return failuresInARow > 0 && System.nanoTime() - retryAt < 0;
  }

  /** How long to wait before the next attempt after the failures so far (10 ms, doubling, at most 5 s). */
  public long retryDelayNanos() {
    if (failuresInARow == 0) {
      return 0;
    }
    return Math.min(MAX_RETRY_NANOS, FIRST_RETRY_NANOS << Math.min(failuresInARow - 1, 20));
  }

  public int failuresInARow() {
    return failuresInARow;
  }

  @Override
  public void close() {
    Jdbc.closeQuietly(connection);
    connection = null;
    statement = null;
    plain = null;
    standIn = false;
  }
}

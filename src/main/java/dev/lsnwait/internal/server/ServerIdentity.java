package dev.lsnwait.internal.server;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/**
 * What tells one running PostgreSQL server from every other: its cluster ({@code system_identifier}, shared by a
 * primary and its physical standbys), when its postmaster started ({@code pg_postmaster_start_time()}), and when its
 * shared statistics were last reset ({@code pg_stat_bgwriter.stats_reset}), all in microseconds.
 *
 * <p>The reset time tells crash recoveries apart: when one backend dies, the postmaster ends every other one and runs
 * recovery again <em>without</em> restarting, and a standby then accepts connections at its minimum recovery point,
 * possibly behind the replay position lsnwait saw. Crash recovery discards the statistics and stamps the reset time;
 * any user can read it. (A reset by hand, {@code pg_stat_reset_shared}, also makes a new identity: what was known of
 * the server is learnt again, which costs a poll.) Two standbys behind one address differ in start time; a restarted
 * or rebuilt server is a new identity. Addresses are no part of it: the same server reports another
 * {@code inet_server_addr()} on another path (TCP, a Unix socket, a proxy).
 */
public record ServerIdentity(long systemIdentifier, long startMicros, long resetMicros) {

  /** The start time in microseconds since the epoch, exact on every version (extract() is numeric from 14). */
  static final String START_MICROS = "round(extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint";
  /** The statistics' reset time in microseconds since the epoch; 0 if the server has none. */
  static final String RESET_MICROS =
      "coalesce(round(extract(epoch FROM (SELECT stats_reset FROM pg_stat_bgwriter)) * 1000000)::bigint, 0)";
  static final String SYSTEM_IDENTIFIER = "(SELECT system_identifier FROM pg_control_system())";

  /** The three columns {@link #read} reads, for a {@code SELECT} list. */
  public static final String COLUMNS = SYSTEM_IDENTIFIER + ", " + START_MICROS + ", " + RESET_MICROS;
  /** The two columns {@link #isIncarnation} compares, for a {@code SELECT} list: cheaper than {@link #COLUMNS}. */
  public static final String INCARNATION = START_MICROS + ", " + RESET_MICROS;

  /** Reads the identity from the three columns of {@link #COLUMNS}, from {@code firstColumn} on. */
  public static ServerIdentity read(ResultSet row, int firstColumn) throws SQLException {
    return new ServerIdentity(row.getLong(firstColumn), row.getLong(firstColumn + 1), row.getLong(firstColumn + 2));
  }

  /** Whether the two columns of {@link #INCARNATION}, from {@code firstColumn} on, are this server's. */
  public boolean isIncarnation(ResultSet row, int firstColumn) throws SQLException {
    return row.getLong(firstColumn) == startMicros && row.getLong(firstColumn + 1) == resetMicros;
  }

  /** Whether this is a later start (or a later crash recovery) of the same cluster than {@code other}. */
  public boolean isLaterThan(ServerIdentity other) {
    if (systemIdentifier != other.systemIdentifier) {
      return false;
    }
    return startMicros != other.startMicros ? startMicros > other.startMicros : resetMicros > other.resetMicros;
  }

  /** The start time, for messages. */
  public Instant startTime() {
    return instant(startMicros);
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
  }

  /** When it started, and when its statistics were reset (at its last crash recovery), for names and messages. */
  public String describeStart() {
    return "started " + startTime() + (resetMicros == 0 ? "" : ", statistics reset " + instant(resetMicros));
  }

  @Override
  public String toString() {
    return "cluster " + Long.toUnsignedString(systemIdentifier) + ", " + describeStart();
  }
}

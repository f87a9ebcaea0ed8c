package dev.lsnwait.internal.tracker;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.ServerIdentity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

/** What a fake standby answers the tracker: its poll's row, and the position a {@code WAIT FOR LSN} names. */
final class FakeReplayRows {

  private FakeReplayRows() {}

  /**
   * The poll's row of {@code identity}, in recovery, replayed up to {@code replay} as it is at each answer: one mock
   * read anew every time, since a mock per answer would take most of a test's time.
   */
  static ResultSet replayedUpTo(ServerIdentity identity, AtomicLong replay) {
    try {
      ResultSet made = mock(ResultSet.class);
      when(made.next()).thenReturn(true);
      when(made.getLong(4)).thenReturn(identity.startMicros());
      when(made.getLong(5)).thenReturn(identity.resetMicros());
      when(made.getBoolean(1)).thenReturn(true);
      when(made.getString(2)).thenAnswer(call -> Lsn.of(replay.get()).toString());
      return made;
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  /** The position {@code WAIT FOR LSN '…' …} waits for, as text. */
  static String waitedFor(String sql) {
    int open = sql.indexOf('\'');
    return sql.substring(open + 1, sql.indexOf('\'', open + 1));
  }
}

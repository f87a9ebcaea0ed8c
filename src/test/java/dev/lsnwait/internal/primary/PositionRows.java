package dev.lsnwait.internal.primary;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.sql.ResultSet;
import java.sql.SQLException;

/** The answer a fake primary gives to the position query. */
final class PositionRows {

  private PositionRows() {}

  /** A row holding the insert position {@code lsn} ("0/1000"). */
  static ResultSet row(String lsn) throws SQLException {
    ResultSet row = mock(ResultSet.class);
    when(row.next()).thenReturn(true);
    when(row.getString(1)).thenReturn(lsn);
    return row;
  }
}

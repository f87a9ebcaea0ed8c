package dev.lsnwait.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens a plain pgjdbc connection to one specific server, for lsnwait's own queries. */
@FunctionalInterface
public interface ConnectionFactory {
  Connection open() throws SQLException;
}

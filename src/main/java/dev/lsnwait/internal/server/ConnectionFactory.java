package dev.lsnwait.internal.server;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens a plain pgjdbc connection for lsnwait's own queries. */
@FunctionalInterface
public interface ConnectionFactory {
  Connection open() throws SQLException;
}

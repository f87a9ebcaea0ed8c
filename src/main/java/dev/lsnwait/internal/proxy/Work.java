package dev.lsnwait.internal.proxy;

import java.sql.SQLException;

/** pgjdbc work that may throw, run between the connection's hooks ({@link ProxyConnection#run}). */
@FunctionalInterface
interface Work<T> {
  T run() throws SQLException;
}

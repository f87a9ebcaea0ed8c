/**
 * lsnwait: read-your-writes consistency for PostgreSQL read replicas, as a JDBC driver that wraps pgjdbc. Only the
 * API packages are exported; everything under {@code dev.lsnwait.internal} may change in any release.
 */
module dev.lsnwait {
  requires transitive java.sql;
  requires java.net.http;
  requires org.postgresql.jdbc;
  requires static jakarta.servlet;
  requires static net.bytebuddy; // the build-time proxy generator only; not in the jar

  exports dev.lsnwait;
  exports dev.lsnwait.servlet;
  exports dev.lsnwait.http;

  provides java.sql.Driver with dev.lsnwait.LsnWaitDriver;
}

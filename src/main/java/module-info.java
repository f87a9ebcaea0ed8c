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
  // Optional integrations: used only when the application has them.
  requires static micrometer.core;
  requires static micrometer.observation;
  requires static micrometer.commons;
  requires static context.propagation;
  requires static spring.core;
  requires static spring.beans;
  requires static spring.context;
  requires static spring.web;
  requires static spring.webflux;
  requires static reactor.core;
  requires static spring.boot;
  requires static spring.boot.autoconfigure;
  requires static spring.boot.health;

  exports dev.lsnwait;
  exports dev.lsnwait.servlet;
  exports dev.lsnwait.http;
  exports dev.lsnwait.micrometer;
  exports dev.lsnwait.spring;

  provides java.sql.Driver with dev.lsnwait.LsnWaitDriver;
  // Not provided here: dev.lsnwait.flyway's plugin is for Flyway on the class path (META-INF/services). Flyway has no
  // module name of its own, and a service whose module is absent would stop the boot layer.
}

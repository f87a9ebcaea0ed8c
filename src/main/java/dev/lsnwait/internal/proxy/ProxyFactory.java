package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.Consistency;
import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.postgresql.core.BaseConnection;

/**
 * Makes the proxies. The bodies here are placeholders: at build time {@code ProxyGenerator} replaces each with a
 * constructor call of the generated class (as HikariCP does), so nothing is generated or looked up at run time.
 */
public final class ProxyFactory {

  private ProxyFactory() {}

  public static ProxyPgConnection connection(Connection delegate, BaseConnection pg, Consistency consistency) {
    throw notGenerated();
  }

  static ProxyStatement statement(ProxyConnection connection, Statement delegate) {
    throw notGenerated();
  }

  static ProxyPreparedStatement preparedStatement(
      ProxyConnection connection, PreparedStatement delegate, SqlEffect effect) {
    throw notGenerated();
  }

  static ProxyCallableStatement callableStatement(
      ProxyConnection connection, CallableStatement delegate, SqlEffect effect) {
    throw notGenerated();
  }

  static ProxyResultSet resultSet(ProxyConnection connection, Statement statement, ResultSet delegate) {
    throw notGenerated();
  }

  static ProxyDatabaseMetaData databaseMetaData(ProxyConnection connection, DatabaseMetaData delegate) {
    throw notGenerated();
  }

  /**
   * Loads and initialises the generated classes now (at driver registration), so that thousands of threads
   * arriving at once later do not queue on their class initialisation (which pins virtual threads).
   */
  public static void preload() {
    ClassLoader loader = ProxyFactory.class.getClassLoader();
    for (String proxy : new String[] {"PgConnection", "Statement", "PreparedStatement", "CallableStatement",
        "ResultSet", "DatabaseMetaData"}) {
      try {
        Class.forName(ProxyFactory.class.getPackageName() + ".LsnWaitProxy" + proxy, true, loader);
      } catch (ClassNotFoundException e) {
        throw notGenerated();
      }
    }
  }

  private static IllegalStateException notGenerated() {
    return new IllegalStateException(
        "lsnwait: the proxy classes were not generated; build with Maven (the process-classes phase runs"
            + " ProxyGenerator)");
  }
}

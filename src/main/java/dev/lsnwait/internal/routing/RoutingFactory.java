package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.primary.SqlEffect;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Makes the routing proxies. As in {@code ProxyFactory}, the bodies are placeholders that the build replaces with
 * constructor calls of the generated classes.
 */
public final class RoutingFactory {

  private RoutingFactory() {}

  public static RoutingConnection connection(Members members) throws SQLException {
    throw notGenerated();
  }

  static RoutingStatement statement(RoutingConnection connection, RoutingStatement.Opener opener) {
    throw notGenerated();
  }

  static RoutingPreparedStatement preparedStatement(
      RoutingConnection connection, RoutingStatement.Opener opener, SqlEffect effect) {
    throw notGenerated();
  }

  static RoutingCallableStatement callableStatement(
      RoutingConnection connection, RoutingStatement.Opener opener, SqlEffect effect, ProxyConnection member) {
    throw notGenerated();
  }

  static RoutingResultSet resultSet(RoutingStatement statement, ResultSet delegate) {
    throw notGenerated();
  }

  static RoutingDatabaseMetaData databaseMetaData(RoutingConnection connection, DatabaseMetaData delegate) {
    throw notGenerated();
  }

  /** A statement that ignores every call: where setters go before a routing statement is bound to a server. */
  static java.sql.CallableStatement noopStatement() {
    throw notGenerated();
  }

  /** Loads the generated classes at driver registration (see {@code ProxyFactory.preload}). */
  public static void preload() {
    ClassLoader loader = RoutingFactory.class.getClassLoader();
    for (String proxy : new String[] {"Connection", "Statement", "PreparedStatement", "CallableStatement",
        "ResultSet", "DatabaseMetaData", "NoopStatement"}) {
      try {
        Class.forName(RoutingFactory.class.getPackageName() + ".LsnWaitRouting" + proxy, true, loader);
      } catch (ClassNotFoundException e) {
        throw notGenerated();
      }
    }
  }

  private static IllegalStateException notGenerated() {
    return new IllegalStateException(
        "lsnwait: the routing classes were not generated; build with Maven (the process-classes phase runs"
            + " ProxyGenerator)");
  }
}

package dev.lsnwait.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.PGProperty;
import org.postgresql.util.HostSpec;

/**
 * Connections of lsnwait's own (a tracker's poll, a primary's position reads) to the very server a user connection
 * reached, with the user's credentials and pgjdbc settings.
 */
public final class DirectConnections {

  private DirectConnections() {}

  /**
   * @param server the host and port the user connection actually reached (a multi-host URL may list several)
   * @param applicationName shown in {@code pg_stat_activity}
   */
  public static ConnectionFactory to(
      Driver pgjdbc, LsnWaitUrl url, HostSpec server, String applicationName) throws SQLException {
    Properties parsed = org.postgresql.Driver.parseURL(url.pgjdbcUrl(), url.pgjdbcProperties());
    if (parsed == null) {
      throw new SQLException("lsnwait: pgjdbc cannot parse the connection URL", "08001");
    }
    String database = PGProperty.PG_DBNAME.getOrDefault(parsed);
    Properties properties = new Properties();
    for (String key : parsed.stringPropertyNames()) {
      properties.setProperty(key, parsed.getProperty(key));
    }
    // One server, whatever its role now: a tracker must still reach a replica that was promoted.
    properties.remove(PGProperty.PG_HOST.getName());
    properties.remove(PGProperty.PG_PORT.getName());
    properties.remove(PGProperty.PG_DBNAME.getName());
    properties.remove(PGProperty.TARGET_SERVER_TYPE.getName());
    properties.remove(PGProperty.LOAD_BALANCE_HOSTS.getName());
    properties.setProperty(PGProperty.APPLICATION_NAME.getName(), applicationName);
    if (!properties.containsKey(PGProperty.SOCKET_TIMEOUT.getName())) {
      properties.setProperty(PGProperty.SOCKET_TIMEOUT.getName(), "10"); // a hung server must not hang lsnwait
    }
    String host = server.getHost().indexOf(':') >= 0 ? "[" + server.getHost() + "]" : server.getHost();
    String target =
        "jdbc:postgresql://" + host + ":" + server.getPort() + "/"
            + URLEncoder.encode(database == null ? "" : database, StandardCharsets.UTF_8).replace("+", "%20");
    return () -> {
      java.sql.Connection connection = pgjdbc.connect(target, properties);
      if (connection == null) {
        throw new SQLException("lsnwait: pgjdbc refused the URL of " + server, "08001");
      }
      return connection;
    };
  }
}

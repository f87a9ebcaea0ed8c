package dev.lsnwait.internal.server;

import dev.lsnwait.internal.LsnWaitUrl;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGProperty;
import org.postgresql.util.HostSpec;

/**
 * The ways lsnwait's own connections can reach one server, with the user's credentials and pgjdbc settings: first
 * the address the user's connection went through (a load balancer there may send a new connection elsewhere, so it
 * is worth a few tries), then the server's own address, as it reports it, when that differs.
 */
public final class ServerRoutes {

  /** Tries through an address that may spread connections over several servers. */
  static final int SHARED_ADDRESS_ATTEMPTS = 6;
  /** Seconds a direct connection attempt may take: the server's own address may not be reachable from here. */
  private static final String DIRECT_CONNECT_TIMEOUT = "2";

  /** One address to try, how often, and how to open a connection there. */
  public record Route(String address, int attempts, ConnectionFactory factory) {}

  private final List<Route> routes;
  private final String reachedAddress;

  private ServerRoutes(List<Route> routes, String reachedAddress) {
    this.routes = List.copyOf(routes);
    this.reachedAddress = reachedAddress;
  }

  /** Routes given directly: for tests. */
  public static ServerRoutes of(List<Route> routes) {
    return new ServerRoutes(routes, routes.get(0).address());
  }

  /**
   * @param reached the host and port the user's connection went through (a multi-host URL may list several)
   * @param serverAddress the server's own {@code host:port}, or null if it cannot tell (a Unix socket)
   * @param applicationName shown in {@code pg_stat_activity}
   * @param pooled behind a transaction pooler: the server's own address comes first, since each query through the
   *     shared one may run on another server
   */
  public static ServerRoutes to(Driver pgjdbc, LsnWaitUrl url, HostSpec reached, String serverAddress,
      String applicationName, boolean pooled) {
    Properties parsed = org.postgresql.Driver.parseURL(url.pgjdbcUrl(), url.pgjdbcProperties());
    if (parsed == null) { // pgjdbc connected with it, so it parses: this is not expected
      throw new IllegalStateException("lsnwait: pgjdbc cannot parse the connection URL");
    }
    String database = PGProperty.PG_DBNAME.getOrDefault(parsed);
    Properties properties = new Properties();
    for (String key : parsed.stringPropertyNames()) {
      properties.setProperty(key, parsed.getProperty(key));
    }
    // One server, whatever its role now: a tracker must still reach a standby that was promoted.
    properties.remove(PGProperty.PG_HOST.getName());
    properties.remove(PGProperty.PG_PORT.getName());
    properties.remove(PGProperty.PG_DBNAME.getName());
    properties.remove(PGProperty.TARGET_SERVER_TYPE.getName());
    properties.remove(PGProperty.LOAD_BALANCE_HOSTS.getName());
    properties.setProperty(PGProperty.APPLICATION_NAME.getName(), applicationName);
    if (!properties.containsKey(PGProperty.SOCKET_TIMEOUT.getName())) {
      properties.setProperty(PGProperty.SOCKET_TIMEOUT.getName(), "10"); // a hung server must not hang lsnwait
    }
    ClassLoader classes = ApplicationClasses.neededFor(properties); // this is an application's thread
    String path = "/" + URLEncoder.encode(database == null ? "" : database, StandardCharsets.UTF_8).replace("+", "%20");
    String reachedAddress = hostPort(reached.getHost(), reached.getPort());
    List<Route> routes = new ArrayList<>();
    boolean shared = serverAddress == null || !serverAddress.equals(reachedAddress);
    routes.add(new Route(reachedAddress, shared ? SHARED_ADDRESS_ATTEMPTS : 1,
        factory(pgjdbc, "jdbc:postgresql://" + reachedAddress + path, properties, classes)));
    if (serverAddress != null && shared) {
      Properties direct = new Properties();
      direct.putAll(properties);
      direct.setProperty(PGProperty.CONNECT_TIMEOUT.getName(), DIRECT_CONNECT_TIMEOUT);
      routes.add(pooled ? 0 : routes.size(),
          new Route(serverAddress, 1, factory(pgjdbc, "jdbc:postgresql://" + serverAddress + path, direct, classes)));
    }
    return new ServerRoutes(routes, reachedAddress);
  }

  /** @param classes the context class loader to connect with ({@link ApplicationClasses}), or null: the thread's */
  private static ConnectionFactory factory(Driver pgjdbc, String url, Properties properties, ClassLoader classes) {
    return () -> {
      Thread thread = Thread.currentThread();
      ClassLoader own = thread.getContextClassLoader();
      if (classes != null) {
        thread.setContextClassLoader(classes);
      }
      try {
        java.sql.Connection connection = pgjdbc.connect(url, properties);
        if (connection == null) {
          throw new SQLException("lsnwait: pgjdbc refused the URL of its own connection", "08001");
        }
        return connection;
      } finally {
        if (classes != null) {
          thread.setContextClassLoader(own);
        }
      }
    };
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  public List<Route> routes() {
    return routes;
  }

  /** The first address, the one the user's connections went through. */
  public String reachedAddress() {
    return reachedAddress;
  }
}

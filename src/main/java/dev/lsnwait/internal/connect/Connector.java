package dev.lsnwait.internal.connect;

import dev.lsnwait.LsnWaitConnection;
import dev.lsnwait.internal.Consistency;
import dev.lsnwait.internal.Jdbc;
import dev.lsnwait.internal.LsnWaitUrl;
import dev.lsnwait.internal.Settings;
import dev.lsnwait.internal.primary.CommitRecorder;
import dev.lsnwait.internal.proxy.ProxyConnection;
import dev.lsnwait.internal.proxy.ProxyFactory;
import dev.lsnwait.internal.registry.Registry;
import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.registry.ServerLookup;
import dev.lsnwait.internal.registry.ServerSettings;
import dev.lsnwait.internal.replica.ReadGate;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.server.ServerRoutes;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.function.BiFunction;
import org.postgresql.core.BaseConnection;
import org.postgresql.util.HostSpec;

/**
 * Opens one physical lsnwait connection: pgjdbc's connection, the server it reached (identity and role), and the
 * proxy that records commits on a primary or gates reads on a replica. The driver uses it for every URL; a routing
 * connection for each of its members.
 */
public final class Connector {

  private final org.postgresql.Driver pgjdbc;
  private final Registry registry;

  public Connector(org.postgresql.Driver pgjdbc, Registry registry) {
    this.pgjdbc = pgjdbc;
    this.registry = registry;
  }

  public Registry registry() {
    return registry;
  }

  /**
   * @param pgjdbcUrl and {@code properties}: what pgjdbc connects with
   * @param originalUrl the application's {@code jdbc:lsnwait:} URL, for {@code DatabaseMetaData.getURL()}
   */
  public ProxyConnection open(String pgjdbcUrl, Properties properties, String originalUrl, LsnWaitUrl url,
      Settings settings) throws SQLException {
    Connection raw = pgjdbc.connect(pgjdbcUrl, properties);
    if (raw == null) {
      throw new SQLException(
          "lsnwait: expected jdbc:lsnwait:postgresql://host:port/database after the prefix", "08001");
    }
    try {
      return wrap(raw, originalUrl, url, settings);
    } catch (SQLException | RuntimeException e) {
      Jdbc.closeQuietly(raw);
      throw e;
    }
  }

  private ProxyConnection wrap(Connection raw, String originalUrl, LsnWaitUrl url, Settings settings)
      throws SQLException {
    BaseConnection pg = raw.unwrap(BaseConnection.class);
    ServerInfo info;
    try {
      info = ServerInfo.query(raw);
    } catch (SQLException e) {
      throw new SQLException(
          "lsnwait: cannot read the server's role and identity (pg_is_in_recovery(), pg_control_system()): "
              + e.getMessage(),
          e.getSQLState(),
          e);
    }
    boolean replica =
        settings.role() == Settings.Role.REPLICA
            || (settings.role() == Settings.Role.AUTO && info.inRecovery());
    HostSpec reached = pg.getQueryExecutor().getHostSpec();
    // Behind a pooler the backend that answers is not the one the connection was opened with (its key differs).
    boolean pooled = replica && (settings.pooler() == Settings.Pooler.TRANSACTION
        || (settings.pooler() == Settings.Pooler.AUTO && info.backendPid() != pg.getBackendPID()));
    BiFunction<String, String, ServerRoutes> routesTo =
        (address, applicationName) -> ServerRoutes.to(pgjdbc, url, reached, address, applicationName, pooled);
    ServerSettings serverSettings = ServerSettings.of(settings);
    ServerLookup lookup = new ServerLookup(registry, routesTo, serverSettings);
    Server server = lookup.server(info);
    if (replica) {
      server.tracker(); // listed by trackers() from the first connection on
      if (pooled && settings.pooler() == Settings.Pooler.AUTO) {
        server.poolerFound(reached.toString());
      }
    }
    Consistency consistency =
        replica
            ? new Consistency(LsnWaitConnection.Role.REPLICA, server, originalUrl, info.defaultIsolation(), null,
                new ReadGate(server, pg, registry, lookup, serverSettings, settings.timeout(), settings.onTimeout(),
                    settings.consistency(), pooled))
            : new Consistency(LsnWaitConnection.Role.PRIMARY, server, originalUrl, info.defaultIsolation(),
                new CommitRecorder(server.position(),
                    server.functions(pg.getCatalog(), name -> routesTo.apply(info.address(), name)), pg,
                    settings.tokens() == Settings.Tokens.COMMITS),
                null);
    return ProxyFactory.connection(raw, pg, consistency);
  }
}

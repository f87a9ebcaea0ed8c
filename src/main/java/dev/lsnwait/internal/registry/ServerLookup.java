package dev.lsnwait.internal.registry;

import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.server.ServerInfo;
import dev.lsnwait.internal.server.ServerRoutes;
import java.util.function.BiFunction;

/**
 * Finds the {@link Server} behind one connection again when it turns out to reach another one (a pooler reconnected
 * it, or runs its transactions on several servers): by identity, or registered from what that server said of itself,
 * with routes to its own address.
 */
public final class ServerLookup {

  private final Registry registry;
  private final BiFunction<String, String, ServerRoutes> routes;
  private final ServerSettings settings;

  /** @param routes the routes to a server's own address (or null), by application name */
  public ServerLookup(Registry registry, BiFunction<String, String, ServerRoutes> routes, ServerSettings settings) {
    this.registry = registry;
    this.routes = routes;
    this.settings = settings;
  }

  /** The server with this identity if some connection reached it before, else null. */
  public Server known(ServerIdentity identity) {
    return registry.known(identity);
  }

  /** The server that described itself so, registered on first sight. */
  public Server server(ServerInfo info) {
    return registry.server(info, applicationName -> routes.apply(info.address(), applicationName), settings);
  }
}

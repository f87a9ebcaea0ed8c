package dev.lsnwait.web;

import dev.lsnwait.servlet.LsnWaitFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** An embedded Jetty (Servlet 6) on 127.0.0.1 at a free port, serving servlets behind filters. */
public final class WebServer implements AutoCloseable {

  private final Server server;

  private WebServer(Server server) {
    this.server = server;
  }

  /** One servlet for every path, behind the lsnwait filter (for requests only) if given. */
  public static WebServer start(HttpServlet servlet, LsnWaitFilter filter) throws Exception {
    Builder builder = builder().servlet("/*", servlet);
    if (filter != null) {
      builder.filter(filter, EnumSet.of(DispatcherType.REQUEST));
    }
    return builder.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  public String base() {
    return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /** Servlets by path, and filters in the order added, each for its dispatch types. */
  public static final class Builder {
    private final Map<String, HttpServlet> servlets = new LinkedHashMap<>();
    private final List<FilterHolder> filters = new ArrayList<>();
    private final List<EnumSet<DispatcherType>> dispatches = new ArrayList<>();

    public Builder servlet(String path, HttpServlet servlet) {
      servlets.put(path, servlet);
      return this;
    }

    public Builder filter(Filter filter, EnumSet<DispatcherType> dispatchTypes) {
      FilterHolder holder = new FilterHolder(filter);
      holder.setAsyncSupported(true);
      filters.add(holder);
      dispatches.add(dispatchTypes);
      return this;
    }

    public WebServer start() throws Exception {
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler();
      servlets.forEach((path, servlet) -> {
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, path);
      });
      for (int i = 0; i < filters.size(); i++) {
        context.addFilter(filters.get(i), "/*", dispatches.get(i));
      }
      server.setHandler(context);
      server.start();
      return new WebServer(server);
    }
  }
}

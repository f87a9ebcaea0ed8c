package dev.lsnwait.web;

import dev.lsnwait.servlet.LsnWaitFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** An embedded Jetty (Servlet 6) on 127.0.0.1 at a free port, serving one servlet, behind the filter if given. */
public final class WebServer implements AutoCloseable {

  private final Server server;

  private WebServer(Server server) {
    this.server = server;
  }

  public static WebServer start(HttpServlet servlet, LsnWaitFilter filter) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder holder = new ServletHolder(servlet);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/*");
    if (filter != null) {
      FilterHolder filterHolder = new FilterHolder(filter);
      filterHolder.setAsyncSupported(true);
      context.addFilter(filterHolder, "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    server.setHandler(context);
    server.start();
    return new WebServer(server);
  }

  public String base() {
    return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}

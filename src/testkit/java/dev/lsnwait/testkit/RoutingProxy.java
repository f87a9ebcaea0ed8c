package dev.lsnwait.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP load balancer on loopback in front of several PostgreSQL servers, as a Kubernetes Service, HAProxy or
 * round-robin DNS would be: each new connection goes to the next server in turn. It can send the connections of one
 * application name (read from the startup packet) to a fixed server, as an unlucky balancer would, re-point new
 * connections (a failover), cut every open connection, and reach servers by their Unix socket (then the server
 * cannot tell its own address: {@code inet_server_addr()} is null).
 */
public final class RoutingProxy implements AutoCloseable {

  private static final int SSL_REQUEST = 80877103;
  private static final int GSS_REQUEST = 80877104;

  private final ServerSocketChannel server;
  private final AtomicInteger next = new AtomicInteger();
  private final List<SocketChannel> channels = new CopyOnWriteArrayList<>();
  private volatile List<SocketAddress> targets;
  private volatile String pinnedApplication;
  private volatile boolean frozen;
  private volatile SocketAddress pinnedTarget;

  /** A balancer over these servers, by TCP. */
  public RoutingProxy(PgServer... servers) throws IOException {
    route(servers);
    server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    Background.daemon(this::acceptLoop, "routing-proxy-accept");
  }

  public int port() {
    return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
  }

  /**
   * The lsnwait URL of the {@code postgres} database through this balancer. It asks pgjdbc to send the application
   * name in the startup packet ({@code assumeMinServerVersion}), where {@link #pin} can see it.
   */
  public String lsnwaitUrl() {
    return "jdbc:lsnwait:postgresql://127.0.0.1:" + port() + "/postgres?assumeMinServerVersion=10";
  }

  /** The plain pgjdbc URL of the {@code postgres} database through this balancer. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
  }

  /** From now on, new connections go round-robin to these servers by TCP; open ones stay where they are. */
  public void route(PgServer... servers) {
    targets = Arrays.stream(servers).map(RoutingProxy::tcp).toList();
  }

  /** From now on, new connections go round-robin to these servers by their Unix sockets. */
  public void routeByUnixSocket(PgServer... servers) {
    targets = Arrays.stream(servers).map(s -> (SocketAddress) UnixDomainSocketAddress.of(s.unixSocket())).toList();
  }

  /**
   * From now on, connections whose application name is {@code applicationName} all go to {@code server}: pgjdbc
   * sends the name in the startup packet only with {@code assumeMinServerVersion} 9.0 or more (as
   * {@link #lsnwaitUrl()} does).
   */
  public void pin(String applicationName, PgServer server) {
    pinnedTarget = tcp(server);
    pinnedApplication = applicationName;
  }

  private static SocketAddress tcp(PgServer server) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
  }

  /**
   * Stops forwarding anything, as a hung server or a network partition would: open connections stall and new ones
   * get no answer, until {@link #thaw()}.
   */
  public void freeze() {
    frozen = true;
  }

  public void thaw() {
    frozen = false;
  }

  private void holdWhileFrozen() {
    while (frozen) {
      Deadline.pause();
    }
  }

  /** Closes every connection open through the balancer (both sides). */
  public void cutAll() {
    for (SocketChannel channel : channels) {
      Background.closeQuietly(channel);
    }
    channels.clear();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        channels.add(client);
        Background.daemon(() -> connect(client), "routing-proxy-connect");
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  /** Reads the startup packet (answering SSL and GSS requests with 'N'), picks a server, then pumps both ways. */
  private void connect(SocketChannel client) {
    try {
      holdWhileFrozen();
      ByteBuffer startup;
      while (true) {
        ByteBuffer length = readFully(client, 4);
        int size = length.getInt(0);
        if (size < 8 || size > 10_000) {
          throw new IOException("not a PostgreSQL startup packet");
        }
        ByteBuffer body = readFully(client, size - 4);
        int code = body.getInt(0);
        if (code == SSL_REQUEST || code == GSS_REQUEST) {
          client.write(ByteBuffer.wrap(new byte[] {'N'}));
          continue;
        }
        startup = ByteBuffer.allocate(size).put(length.rewind()).put(body.rewind()).flip();
        break;
      }
      SocketChannel upstream = SocketChannel.open(choose(startup));
      channels.add(upstream);
      while (startup.hasRemaining()) {
        upstream.write(startup);
      }
      Background.daemon(() -> pump(client, upstream), "routing-proxy-up");
      pump(upstream, client);
    } catch (IOException e) {
      Background.closeQuietly(client);
    }
  }

  private static ByteBuffer readFully(SocketChannel channel, int size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new IOException("closed during the startup packet");
      }
    }
    return buffer.flip();
  }

  private SocketAddress choose(ByteBuffer startup) {
    String pinned = pinnedApplication;
    String text = new String(startup.array(), StandardCharsets.UTF_8);
    if (pinned != null && text.contains("application_name\0" + pinned + "\0")) {
      return pinnedTarget;
    }
    List<SocketAddress> current = targets;
    return current.get(Math.floorMod(next.getAndIncrement(), current.size()));
  }

  private void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buffer = ByteBuffer.allocate(65536);
    try {
      while (from.read(buffer) >= 0) {
        holdWhileFrozen();
        buffer.flip();
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      // one side closed: close the other
    } finally {
      Background.closeQuietly(from);
      Background.closeQuietly(to);
      channels.remove(from);
      channels.remove(to);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    cutAll();
  }
}

package dev.lsnwait.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of a PostgreSQL server that can break a connection at the moment the client
 * sends a chosen statement: before forwarding it (the server never runs it) or right after (the server runs it, the
 * client never hears back). One-shot: once it broke a connection it passes everything again.
 */
public final class BreakingProxy implements AutoCloseable {

  /** When to break. */
  public enum Moment {
    BEFORE_FORWARDING,
    AFTER_FORWARDING
  }

  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile byte[] trigger;
  private volatile Moment moment;

  public BreakingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Background.daemon(this::acceptLoop, "breaking-proxy-accept");
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Breaks the next connection whose client sends {@code statementText}. */
  public void armFor(String statementText, Moment when) {
    moment = when;
    trigger = statementText.getBytes(StandardCharsets.UTF_8);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(upstream);
        Background.daemon(() -> pump(client, upstream, true), "breaking-proxy-up");
        Background.daemon(() -> pump(upstream, client, false), "breaking-proxy-down");
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean clientToServer) {
    byte[] buffer = new byte[65536];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int read;
      while ((read = in.read(buffer)) >= 0) {
        byte[] armed = trigger;
        boolean breakNow = clientToServer && armed != null && contains(buffer, read, armed);
        if (breakNow) {
          trigger = null;
          if (moment == Moment.AFTER_FORWARDING) {
            out.write(buffer, 0, read);
            out.flush();
            from.close(); // the client loses its connection; the server got the whole statement
            return;
          }
          from.close();
          to.close();
          return;
        }
        out.write(buffer, 0, read);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed: close the other
    } finally {
      Background.closeQuietly(from);
      if (!(clientToServer && from.isClosed() && moment == Moment.AFTER_FORWARDING)) {
        Background.closeQuietly(to);
      }
    }
  }

  private static boolean contains(byte[] buffer, int length, byte[] pattern) {
    outer:
    for (int i = 0; i + pattern.length <= length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (buffer[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      Background.closeQuietly(socket);
    }
  }
}

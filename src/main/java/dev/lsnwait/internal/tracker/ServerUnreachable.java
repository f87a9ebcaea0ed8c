package dev.lsnwait.internal.tracker;

/**
 * Why a wait ended without an answer from the tracker: it cannot reach its server (a load balancer keeps sending its
 * connection elsewhere, the server's own address is not reachable, the server is down), or it closed. A waiter then
 * asks the server over its own connection, which reached the right server by definition.
 */
public final class ServerUnreachable extends RuntimeException {

  private static final long serialVersionUID = 1L;

  ServerUnreachable(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}

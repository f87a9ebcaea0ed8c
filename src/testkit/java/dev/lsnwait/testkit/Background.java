package dev.lsnwait.testkit;

import java.io.Closeable;
import java.io.IOException;

/** Small helpers for the harness's background threads and sockets. */
final class Background {

  private Background() {}

  /** Starts {@code task} on a daemon thread, so a test that ends early leaves nothing running. */
  static void daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Closes a socket or channel that is being dropped anyway. */
  static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}

package dev.lsnwait.internal;

/**
 * lsnwait's own threads (position readers, trackers, the catalog loader): daemons that keep nothing of the thread
 * that happened to start them. They start on an application's thread, in a web application a request's: with its
 * context class loader or its inheritable thread-locals, they would hold an undeployed web application in memory for
 * as long as they run (Tomcat warns of it at undeploy), and what they load would depend on who asked first.
 */
public final class DaemonThread {

  private DaemonThread() {}

  /** An unstarted daemon thread named {@code name}; its context class loader is lsnwait's own. */
  public static Thread of(Runnable body, String name) {
    Thread thread = new Thread(null, body, name, 0, false); // inherits no inheritable thread-locals
    thread.setDaemon(true);
    thread.setContextClassLoader(DaemonThread.class.getClassLoader());
    return thread;
  }
}

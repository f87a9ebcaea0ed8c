package dev.lsnwait.testkit;

import java.time.Duration;

/** One primary + replica for all integration tests of a JVM, started on first use, stopped at exit. */
public final class SharedCluster {

  private static PgCluster cluster;

  private SharedCluster() {}

  public static synchronized PgCluster get() {
    if (cluster == null) {
      cluster = PgCluster.start(Duration.ZERO, false);
    }
    return cluster;
  }
}

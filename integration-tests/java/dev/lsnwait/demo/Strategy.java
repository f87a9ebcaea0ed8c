package dev.lsnwait.demo;

import dev.lsnwait.testkit.PgCluster;

/** What a user does today to get read-your-writes, and lsnwait: one way to route reads each. */
enum Strategy {
  PLAIN("plain replica", "reads go to the replica; stale reads are accepted") {
    @Override
    boolean readsFromPrimary(long sinceLastWriteMillis, int stickyMillis) {
      return false;
    }
  },
  PRIMARY_AFTER_WRITE("primary after write", "reads go to the primary for a sticky window after a write") {
    @Override
    boolean readsFromPrimary(long sinceLastWriteMillis, int stickyMillis) {
      return sinceLastWriteMillis < stickyMillis;
    }
  },
  REMOTE_APPLY("remote_apply", "every commit waits until the replica applied it (synchronous standby)") {
    @Override
    boolean readsFromPrimary(long sinceLastWriteMillis, int stickyMillis) {
      return false;
    }

    @Override
    void before(PgCluster cluster) {
      cluster.setRemoteApply(true);
    }

    @Override
    void after(PgCluster cluster) {
      cluster.setRemoteApply(false);
    }
  },
  LSNWAIT("lsnwait", "jdbc:lsnwait: URLs; reads go to the replica and wait for the thread's token") {
    @Override
    boolean readsFromPrimary(long sinceLastWriteMillis, int stickyMillis) {
      return false;
    }

    @Override
    String primaryUrl(PgCluster cluster) {
      return cluster.primary().lsnwaitUrl();
    }

    @Override
    String replicaUrl(PgCluster cluster) {
      return cluster.replica().lsnwaitUrl();
    }
  },
  LSNWAIT_ONE_URL("lsnwait, one URL", "one jdbc:lsnwait: URL with lsnwait.replicas; read-only reads go to a caught-up"
      + " replica, or after lsnwait.replicaWait to the primary") {
    @Override
    boolean readsFromPrimary(long sinceLastWriteMillis, int stickyMillis) {
      return false;
    }

    @Override
    String primaryUrl(PgCluster cluster) {
      return cluster.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + cluster.replica().port();
    }

    @Override
    String replicaUrl(PgCluster cluster) {
      return primaryUrl(cluster);
    }

    @Override
    boolean readOnlyReads() {
      return true;
    }
  };

  final String label;
  final String description;

  Strategy(String label, String description) {
    this.label = label;
    this.description = description;
  }

  /** Whether this read goes to the primary, given the time since this thread's last write. */
  abstract boolean readsFromPrimary(long sinceLastWriteMillis, int stickyMillis);

  String primaryUrl(PgCluster cluster) {
    return cluster.primary().jdbcUrl();
  }

  String replicaUrl(PgCluster cluster) {
    return cluster.replica().jdbcUrl();
  }

  /** Whether reads run on read-only connections (the routing URL places them by that flag). */
  boolean readOnlyReads() {
    return false;
  }

  void before(PgCluster cluster) {}

  void after(PgCluster cluster) {}
}

package dev.lsnwait;

/**
 * Hears what lsnwait does, for metrics and tracing ({@code dev.lsnwait.micrometer} has Micrometer's): reads that had
 * to wait, and where a routing connection placed read-only work. Register with
 * {@link LsnWaitDriver#addListener(LsnWaitListener)}. Called on the reading thread: keep it quick, and never throw
 * (a listener that throws is logged and skipped).
 */
public interface LsnWaitListener {

  /** How a wait ended. */
  enum Outcome {
    /** The replica replayed the position; the read ran there. */
    REPLAYED,
    /** {@code lsnwait.timeout} passed: the read failed with {@link ReplicationTimeoutException}. */
    TIMED_OUT,
    /** {@code lsnwait.timeout} passed with {@code lsnwait.onTimeout=proceed}: the read ran anyway. */
    PROCEEDED,
    /** No replica replayed it within {@code lsnwait.replicaWait}: a routing connection ran the read on the primary. */
    PRIMARY
  }

  /** Told when a wait ends. */
  @FunctionalInterface
  interface WaitEnd {
    /** For listeners with nothing to say at the end. */
    WaitEnd NONE = outcome -> {};

    void ended(Outcome outcome);
  }

  /**
   * A read must wait for {@code replica} (a server's name, or {@code "any replica"} when a routing connection waits
   * for the first of several) to replay {@code target}.
   *
   * @return what to tell when the wait ends
   */
  default WaitEnd waitStarted(String replica, Lsn target) {
    return WaitEnd.NONE;
  }

  /**
   * A routing connection placed read-only work.
   *
   * @param target {@code "replica"} or {@code "primary"}
   * @param reason why: {@code caught_up}, {@code after_wait}, {@code no_replica}, {@code replicas_behind} (none
   *     replayed within {@code lsnwait.replicaWait}), {@code forecast_behind} (none forecast to: no wait),
   *     {@code fell_back} (the unit of work waited in vain for the same position before: no wait),
   *     {@code position_unknown}, {@code session_objects} (the primary holds the session's temporary tables or
   *     holdable cursors)
   */
  default void routed(String target, String reason) {}
}

package dev.lsnwait.servlet;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * One request's requirements across its dispatches (the first, then FORWARD, INCLUDE, ERROR and ASYNC ones, and
 * tasks of {@code AsyncContext.start}): kept in a request attribute, so an inner dispatch adds to what the request
 * did instead of hiding it, and the response token covers all of it.
 */
final class RequestTokens {

  static final String ATTRIBUTE = RequestTokens.class.getName();
  /**
   * How long {@link #resolveRetrying} tries again after a failed read of the commits' positions: a blip passes (a
   * position connection being replaced, a connection slot freed), while a primary that stays unreadable holds the
   * response little longer than the read's own bound ({@code lsnwait.timeout}).
   */
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private LsnContext.Snapshot state; // guarded by this
  private volatile Thread runningOn;

  RequestTokens(LsnContext.Snapshot state) {
    this.state = state;
  }

  /** The request's requirements now. */
  synchronized LsnContext.Snapshot state() {
    return state;
  }

  /** Adds what a dispatch or task of this request left in its context. */
  synchronized void add(LsnContext.Snapshot more) {
    state = state.merge(more);
  }

  /** Whether a dispatch of this request runs on the current thread right now (then the context is the request's). */
  boolean runningHere() {
    return runningOn == Thread.currentThread();
  }

  void running(boolean here) {
    runningOn = here ? Thread.currentThread() : null;
  }

  /**
   * The token of everything the request and the current thread did, commit positions read (bounded by the
   * primary's timeout); the request keeps the result, so the next call only compares.
   */
  LsnToken resolve() throws SQLException {
    LsnContext.Snapshot mine = LsnContext.snapshot();
    try (LsnContext.Scope scope = LsnContext.open(state())) {
      LsnContext.merge(mine);
      LsnToken token = LsnContext.current();
      add(LsnContext.snapshot());
      return token;
    }
  }

  /**
   * {@link #resolve()}, tried again after a failure (pauses from 10 ms, doubling) until {@link #RETRY_NANOS} have
   * passed since the first try; throws the last failure.
   */
  LsnToken resolveRetrying() throws SQLException {
    long until = System.nanoTime() + RETRY_NANOS;
    long pause = FIRST_PAUSE_NANOS;
    while (true) {
      try {
        return resolve();
      } catch (SQLException e) {
        long left = until - System.nanoTime();
        if (left <= 0 || !pause(Math.min(pause, left))) {
          throw e;
        }
        pause *= 2;
      }
    }
  }

  private static boolean pause(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the container wants the thread back: no more tries
      return false;
    }
  }
}

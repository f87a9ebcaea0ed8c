package dev.lsnwait.servlet;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import java.sql.SQLException;

/**
 * One request's requirements across its dispatches (the first, then FORWARD, INCLUDE, ERROR and ASYNC ones, and
 * tasks of {@code AsyncContext.start}): kept in a request attribute, so an inner dispatch adds to what the request
 * did instead of hiding it, and the response token covers all of it.
 */
final class RequestTokens {

  static final String ATTRIBUTE = RequestTokens.class.getName();

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
}

package dev.lsnwait.internal.context;

import dev.lsnwait.Lsn;
import java.sql.SQLException;

/** The holder of each thread's {@link ContextState}; {@code dev.lsnwait.LsnContext} is its public face. */
public final class ThreadContext {

  /** A plain ThreadLocal: withInitial would put an entry back after remove(), pinning this class loader. */
  private static final ThreadLocal<ContextState> CURRENT = new ThreadLocal<>();

  private ThreadContext() {}

  public static ContextState get() {
    ContextState state = CURRENT.get();
    return state == null ? ContextState.EMPTY : state;
  }

  /** Whether this thread holds an entry at all (for the test that none is left behind). */
  static boolean installed() {
    return CURRENT.get() != null;
  }

  public static void set(ContextState state) {
    if (state.isEmpty()) {
      CURRENT.remove();
    } else {
      CURRENT.set(state);
    }
  }

  /** Called by primary connections after a commit returned. Costs a memory read, no round trip. */
  public static void recordCommit(CommitPositionSource source) {
    ContextState state = get();
    ContextState next = state.withCommit(source, source.mark());
    if (next != state) {
      CURRENT.set(next);
    }
  }

  /** Called by primary connections after a commit whose own round trip read {@code lsn}, on {@code timeline}. */
  public static void recordCommitAt(CommitPositionSource source, Lsn lsn, int timeline) {
    set(get().withCommitAt(source, lsn, timeline));
  }

  /** Notes that this thread's read went on without {@code lsn} of {@code cluster} replayed. */
  public static void gaveUp(long cluster, Lsn lsn) {
    set(get().givingUp(cluster, lsn));
  }

  /** Whether this thread already gave up waiting for {@code lsn} of {@code cluster}. */
  public static boolean gaveUpOn(long cluster, Lsn lsn) {
    return get().gaveUpOn(cluster, lsn);
  }

  /** Notes that this thread's read-only work ran on the primary, at {@code nanoTime}, after waiting for {@code lsn}. */
  public static void fellBack(long cluster, Lsn lsn, long nanoTime) {
    set(get().fallingBack(cluster, lsn, nanoTime));
  }

  /** When this thread's read-only work fell back for {@code lsn} (or a later one) of {@code cluster}, or MIN_VALUE. */
  public static long fellBackAt(long cluster, Lsn lsn) {
    return get().fellBackAt(cluster, lsn);
  }

  /**
   * The position a reader of this cluster must wait for, or {@code null} if none. Reads pending commit positions of
   * this cluster first, by {@code deadlineNanos} (and keeps the result, so later statements only compare).
   */
  public static Lsn requiredLsn(long systemIdentifier, long deadlineNanos) throws SQLException {
    ContextState state = get();
    if (state.isEmpty() || !state.concerns(systemIdentifier)) {
      return null;
    }
    if (state.hasPending()) {
      ContextState resolved = state.resolve(systemIdentifier, deadlineNanos);
      if (resolved != state) {
        set(resolved);
        state = resolved;
      }
    }
    return state.resolvedToken().lsnFor(systemIdentifier).orElse(null);
  }

  /** The timeline of the position {@link #requiredLsn} returned, or 0 if not known. */
  public static int requiredTimeline(long systemIdentifier) {
    return get().resolvedToken().timelineFor(systemIdentifier);
  }
}

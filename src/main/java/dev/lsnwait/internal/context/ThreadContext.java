package dev.lsnwait.internal.context;

import dev.lsnwait.Lsn;
import java.sql.SQLException;

/** The holder of each thread's {@link ContextState}; {@code dev.lsnwait.LsnContext} is its public face. */
public final class ThreadContext {

  private static final ThreadLocal<ContextState> CURRENT = ThreadLocal.withInitial(() -> ContextState.EMPTY);

  private ThreadContext() {}

  public static ContextState get() {
    return CURRENT.get();
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
    ContextState state = CURRENT.get();
    ContextState next = state.withCommit(source, source.mark());
    if (next != state) {
      CURRENT.set(next);
    }
  }

  /**
   * The position a reader of this cluster must wait for, or {@code null} if none. Reads pending commit positions of
   * this cluster first (and keeps the result, so later statements only compare).
   */
  public static Lsn requiredLsn(long systemIdentifier) throws SQLException {
    ContextState state = CURRENT.get();
    if (state.isEmpty() || !state.concerns(systemIdentifier)) {
      return null;
    }
    if (state.hasPending()) {
      ContextState resolved = state.resolve(systemIdentifier);
      if (resolved != state) {
        set(resolved);
        state = resolved;
      }
    }
    return state.resolvedToken().lsnFor(systemIdentifier).orElse(null);
  }
}

package dev.lsnwait;

import dev.lsnwait.internal.context.ContextState;
import dev.lsnwait.internal.context.ThreadContext;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * The current thread's causal requirements: what its reads on a replica must have seen.
 *
 * <p>Primary connections add to it after every commit; replica connections wait for it before statements run. By
 * default it lives with the thread. The scoped methods carry it elsewhere: {@link #open(LsnToken)} for a block,
 * {@link #wrap(Runnable)} and friends for other threads and executors, {@link #current()} to hand it on (in an HTTP
 * header, a job payload).
 *
 * <p>A commit records only a cheap marker; its WAL position is read from the primary when something first needs it
 * (a replica read, or {@link #current()}), by one query shared with every other commit it covers. That is why
 * {@link #current()} may make one short round trip to the primary and can throw {@link SQLException}.
 */
public final class LsnContext {

  private LsnContext() {}

  /**
   * The token this thread's reads must see: every commit this thread (or its scope) made or was handed.
   *
   * @throws SQLException if a commit's WAL position cannot be read from its primary in time
   */
  public static LsnToken current() throws SQLException {
    ContextState state = ThreadContext.get();
    if (state.hasPending()) {
      state = state.resolveAll();
      ThreadContext.set(state);
    }
    return state.resolvedToken();
  }

  /** Replaces this thread's requirements with {@code token}. */
  public static void set(LsnToken token) {
    ThreadContext.set(ContextState.of(Objects.requireNonNull(token, "token")));
  }

  /** Adds {@code token} to this thread's requirements, keeping the later position per cluster. */
  public static void merge(LsnToken token) {
    ThreadContext.set(ThreadContext.get().merge(Objects.requireNonNull(token, "token")));
  }

  /** Forgets this thread's requirements. */
  public static void clear() {
    ThreadContext.set(ContextState.EMPTY);
  }

  /**
   * Makes {@code token} this thread's requirements until the returned scope is closed, which restores what was there
   * before. Commits inside the scope are added to the scope only: read {@link #current()} before closing to keep them.
   */
  public static Scope open(LsnToken token) {
    return install(ContextState.of(Objects.requireNonNull(token, "token")));
  }

  /** Runs {@code task} with {@code token} as this thread's requirements, then restores the previous ones. */
  public static void runWith(LsnToken token, Runnable task) {
    try (Scope ignored = open(token)) {
      task.run();
    }
  }

  /** Calls {@code task} with {@code token} as this thread's requirements, then restores the previous ones. */
  public static <T> T callWith(LsnToken token, Callable<T> task) throws Exception {
    try (Scope ignored = open(token)) {
      return task.call();
    }
  }

  /**
   * A task that runs with the requirements this thread has now, wherever it runs. Unread commit positions travel
   * unread, so wrapping costs no round trip.
   */
  public static Runnable wrap(Runnable task) {
    Objects.requireNonNull(task, "task");
    ContextState captured = ThreadContext.get();
    return () -> {
      try (Scope ignored = install(captured)) {
        task.run();
      }
    };
  }

  /** A task that runs with the requirements this thread has now, wherever it runs. */
  public static <T> Callable<T> wrap(Callable<T> task) {
    Objects.requireNonNull(task, "task");
    ContextState captured = ThreadContext.get();
    return () -> {
      try (Scope ignored = install(captured)) {
        return task.call();
      }
    };
  }

  /** An executor whose tasks run with the requirements of the thread that submitted them. */
  public static Executor wrap(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    return command -> executor.execute(wrap(command));
  }

  /**
   * This thread's requirements as they are, unread commit positions included (no round trip), to install elsewhere
   * with {@link #open(Snapshot)}: what context-propagation libraries and integrations carry between threads.
   */
  public static Snapshot snapshot() {
    return new Snapshot(ThreadContext.get());
  }

  /** Makes a snapshot this thread's requirements until the returned scope is closed. */
  public static Scope open(Snapshot snapshot) {
    return install(Objects.requireNonNull(snapshot, "snapshot").state);
  }

  /** Adds a snapshot's requirements to this thread's. */
  public static void merge(Snapshot snapshot) {
    ThreadContext.set(ThreadContext.get().merge(Objects.requireNonNull(snapshot, "snapshot").state));
  }

  private static Scope install(ContextState state) {
    ContextState previous = ThreadContext.get();
    ThreadContext.set(state);
    return () -> ThreadContext.set(previous);
  }

  /** A thread's requirements, captured; immutable. */
  public static final class Snapshot {
    private final ContextState state;

    private Snapshot(ContextState state) {
      this.state = state;
    }

    /** Whether it requires nothing. */
    public boolean isEmpty() {
      return state.isEmpty();
    }

    /** Both snapshots' requirements: the later position per cluster, every unread commit of either. */
    public Snapshot merge(Snapshot other) {
      ContextState merged = state.merge(other.state);
      return merged == state ? this : new Snapshot(merged);
    }

    @Override
    public String toString() {
      return "LsnContext.Snapshot[" + state + "]";
    }
  }

  /** A block with other requirements; closing it restores the thread's previous ones. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}

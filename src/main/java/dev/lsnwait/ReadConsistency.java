package dev.lsnwait;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * What a replica read must see, beyond nothing at all:
 *
 * <ul>
 *   <li>{@link #SESSION} (the default): every commit of this thread's context (its own writes, and tokens it was
 *       handed);
 *   <li>{@link #GLOBAL}: also every commit, by anyone, that finished before the read started — one shared read of
 *       the primary's position, then the same wait (MaxScale calls it {@code universal});
 *   <li>{@link #boundedStaleness(Duration)}: also every commit that finished more than the bound before the read
 *       started; a replica whose lag is within the bound serves without waiting, and the session guarantee holds.
 * </ul>
 *
 * <p>Per connection with {@code lsnwait.consistency} (and {@code lsnwait.maxStaleness}); per unit of work with
 * {@link #open(ReadConsistency)}, {@link #runWith} or {@link #callWith}, which win over the URL's. Global and bounded
 * reads need a primary connection of the same cluster in this JVM (lsnwait reads the primary's position on it);
 * without one they fail with {@link PositionUnavailableException}.
 */
public final class ReadConsistency {

  /** Which guarantee. */
  public enum Level {
    SESSION,
    GLOBAL,
    BOUNDED
  }

  /** The thread's own writes (and tokens it was handed). */
  public static final ReadConsistency SESSION = new ReadConsistency(Level.SESSION, Duration.ZERO);

  /** Every commit that finished before the read started. */
  public static final ReadConsistency GLOBAL = new ReadConsistency(Level.GLOBAL, Duration.ZERO);

  /** A level set by a scope on this thread; none: the connection's. A plain ThreadLocal (see ThreadContext). */
  private static final ThreadLocal<ReadConsistency> SCOPED = new ThreadLocal<>();

  private final Level level;
  private final Duration maxStaleness;

  private ReadConsistency(Level level, Duration maxStaleness) {
    this.level = level;
    this.maxStaleness = maxStaleness;
  }

  /** The thread's own writes, and every commit that finished more than {@code maxStaleness} before the read. */
  public static ReadConsistency boundedStaleness(Duration maxStaleness) {
    Objects.requireNonNull(maxStaleness, "maxStaleness");
    if (maxStaleness.isNegative()) {
      throw new IllegalArgumentException("maxStaleness must not be negative: " + maxStaleness);
    }
    return new ReadConsistency(Level.BOUNDED, maxStaleness);
  }

  public Level level() {
    return level;
  }

  /** For {@link Level#BOUNDED}: the bound; zero otherwise. */
  public Duration maxStaleness() {
    return maxStaleness;
  }

  /** The level set for this thread by a scope, or null if none is (the connection's applies). */
  public static ReadConsistency current() {
    return SCOPED.get();
  }

  /** Makes {@code consistency} this thread's until the returned scope is closed, which restores the previous. */
  public static Scope open(ReadConsistency consistency) {
    Objects.requireNonNull(consistency, "consistency");
    ReadConsistency previous = SCOPED.get();
    SCOPED.set(consistency);
    return () -> {
      if (previous == null) {
        SCOPED.remove();
      } else {
        SCOPED.set(previous);
      }
    };
  }

  public static void runWith(ReadConsistency consistency, Runnable task) {
    try (Scope ignored = open(consistency)) {
      task.run();
    }
  }

  public static <T> T callWith(ReadConsistency consistency, Callable<T> task) throws Exception {
    try (Scope ignored = open(consistency)) {
      return task.call();
    }
  }

  /** Restores the previous level when closed. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ReadConsistency that && level == that.level && maxStaleness.equals(that.maxStaleness);
  }

  @Override
  public int hashCode() {
    return level.hashCode() * 31 + maxStaleness.hashCode();
  }

  @Override
  public String toString() {
    return level == Level.BOUNDED
        ? "bounded staleness " + maxStaleness
        : level.name().toLowerCase(java.util.Locale.ROOT);
  }
}

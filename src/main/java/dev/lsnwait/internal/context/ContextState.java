package dev.lsnwait.internal.context;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnToken;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * One thread's (or scope's) causal requirements: a resolved {@link LsnToken} plus commits whose position has not been
 * read yet, the positions this context already gave up waiting for ({@code lsnwait.onTimeout=proceed}), and those
 * its read-only work already ran on the primary for ({@link FallBacks}). Immutable, so it can be captured and handed
 * to another thread without copying.
 *
 * <p>Resolving reads a commit's position once per state, not once per use: a state that is restored again and again
 * (a {@code LsnContext.Snapshot} opened per request, a wrapped task run many times) remembers the state its pending
 * commits resolved to, and hands that out without asking the primary's position again. A position that covered a
 * commit once covers it for good, so the remembered one is as exact as a fresh read.
 */
public final class ContextState {

  public static final ContextState EMPTY = new ContextState(LsnToken.EMPTY, Map.of(), LsnToken.EMPTY, FallBacks.NONE);

  private final LsnToken token;
  /** Unresolved commits: source to the latest mark taken after a commit on it. Usually empty or one entry. */
  private final Map<CommitPositionSource, Long> pending;
  /** Per cluster, the highest position a wait timed out for and the read went on anyway. */
  private final LsnToken gaveUp;
  private final FallBacks fellBack;
  /**
   * This state with every pending commit resolved, once one resolution left none pending; null before. Racy on
   * purpose: a state is immutable (final fields), so a thread that misses another's write only resolves again.
   */
  private volatile ContextState resolvedForm;

  private ContextState(LsnToken token, Map<CommitPositionSource, Long> pending, LsnToken gaveUp,
      FallBacks fellBack) {
    this.token = token;
    this.pending = pending;
    this.gaveUp = gaveUp;
    this.fellBack = fellBack;
  }

  public static ContextState of(LsnToken token) {
    return token.isEmpty() ? EMPTY : new ContextState(token, Map.of(), LsnToken.EMPTY, FallBacks.NONE);
  }

  public boolean isEmpty() {
    return token.isEmpty() && pending.isEmpty() && gaveUp.isEmpty() && fellBack.isEmpty();
  }

  public boolean hasPending() {
    return !pending.isEmpty();
  }

  /** The resolved part only; pending commits are not included. */
  public LsnToken resolvedToken() {
    return token;
  }

  /** This state plus a commit on {@code source} that returned before {@code mark} was taken. */
  public ContextState withCommit(CommitPositionSource source, long mark) {
    Long current = pending.get(source);
    if (current != null && current >= mark) {
      return this;
    }
    if (pending.isEmpty() || (current != null && pending.size() == 1)) { // the usual case: one primary
      return new ContextState(token, Map.of(source, mark), gaveUp, fellBack);
    }
    Map<CommitPositionSource, Long> merged = new HashMap<>(pending);
    merged.put(source, mark);
    return new ContextState(token, Map.copyOf(merged), gaveUp, fellBack);
  }

  /**
   * This state plus a commit on {@code source} whose own round trip read the primary's position after it: the
   * position covers that commit and every one pending on {@code source}, which returned before it was read.
   */
  public ContextState withCommitAt(CommitPositionSource source, Lsn lsn, int timeline) {
    return resolved(source, lsn, timeline);
  }

  public ContextState merge(LsnToken other) {
    LsnToken merged = token.merge(other);
    return merged == token ? this : new ContextState(merged, pending, gaveUp, fellBack);
  }

  public ContextState merge(ContextState other) {
    ContextState result = merge(other.token);
    for (Map.Entry<CommitPositionSource, Long> entry : other.pending.entrySet()) {
      result = result.withCommit(entry.getKey(), entry.getValue());
    }
    LsnToken gaveUpBoth = result.gaveUp.merge(other.gaveUp);
    FallBacks fellBackBoth = result.fellBack.merge(other.fellBack);
    return gaveUpBoth == result.gaveUp && fellBackBoth == result.fellBack
        ? result
        : new ContextState(result.token, result.pending, gaveUpBoth, fellBackBoth);
  }

  /** This state, having given up waiting for {@code lsn} of {@code cluster}. */
  public ContextState givingUp(long cluster, Lsn lsn) {
    LsnToken more = gaveUp.with(cluster, lsn);
    return more == gaveUp ? this : new ContextState(token, pending, more, fellBack);
  }

  /** Whether this context already gave up waiting for {@code lsn} (or a later position) of {@code cluster}. */
  public boolean gaveUpOn(long cluster, Lsn lsn) {
    return gaveUp.lsnFor(cluster).map(given -> given.isAtLeast(lsn)).orElse(false);
  }

  /** This state, having run read-only work for {@code lsn} of {@code cluster} on the primary at {@code nanoTime}. */
  public ContextState fallingBack(long cluster, Lsn lsn, long nanoTime) {
    return new ContextState(token, pending, gaveUp, fellBack.with(cluster, lsn, nanoTime));
  }

  /** When this context fell back for {@code lsn} (or a later position) of {@code cluster}, or Long.MIN_VALUE. */
  public long fellBackAt(long cluster, Lsn lsn) {
    return fellBack.at(cluster, lsn);
  }

  /** Whether anything, resolved or pending, concerns this cluster. */
  public boolean concerns(long systemIdentifier) {
    if (token.positions().containsKey(systemIdentifier)) {
      return true;
    }
    for (CommitPositionSource source : pending.keySet()) {
      if (source.systemIdentifier() == systemIdentifier) {
        return true;
      }
    }
    return false;
  }

  /** This state with the pending commits of one cluster read, by {@code deadlineNanos}, and folded into the token. */
  public ContextState resolve(long systemIdentifier, long deadlineNanos) throws SQLException {
    return resolve(cluster -> cluster == systemIdentifier, deadlineNanos, false);
  }

  /** This state with every pending commit read and folded into the token, each read within its source's bound. */
  public ContextState resolveAll() throws SQLException {
    return resolve(cluster -> true, 0, true);
  }

  private ContextState resolve(LongPredicate clusters, long deadlineNanos, boolean sourcesBound)
      throws SQLException {
    ContextState known = resolvedForm;
    if (known != null) {
      return known; // resolves every cluster's commits, which covers those asked for
    }
    ContextState result = this;
    for (Map.Entry<CommitPositionSource, Long> entry : pending.entrySet()) {
      CommitPositionSource source = entry.getKey();
      if (clusters.test(source.systemIdentifier())) {
        long deadline = sourcesBound ? source.defaultDeadline() : deadlineNanos;
        result = result.resolved(source, source.covering(entry.getValue(), deadline), source.timeline());
      }
    }
    if (result != this && !result.hasPending()) {
      resolvedForm = result;
    }
    return result;
  }

  private ContextState resolved(CommitPositionSource source, Lsn lsn, int timeline) {
    Map<CommitPositionSource, Long> rest = pending; // nothing of this source pending: the rest stays
    if (pending.size() == 1 && pending.containsKey(source)) {
      rest = Map.of(); // the usual case: the one primary's commits were pending
    } else if (pending.containsKey(source)) {
      Map<CommitPositionSource, Long> others = new HashMap<>(pending);
      others.remove(source);
      rest = Map.copyOf(others);
    }
    return new ContextState(token.with(source.systemIdentifier(), lsn, timeline), rest, gaveUp, fellBack);
  }

  @Override
  public String toString() {
    return pending.isEmpty() ? token.toString() : token + " + " + pending.size() + " unread commit position(s)";
  }
}

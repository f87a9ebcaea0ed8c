package dev.lsnwait;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a reader must have seen: for each PostgreSQL cluster, the WAL position of the last write it depends on.
 *
 * <p>A cluster is named by its {@code system_identifier} (from {@code pg_control_system()}), which a primary and its
 * physical replicas share, so a replica only waits for positions of its own cluster. Tokens are immutable; merging
 * keeps the later position per cluster.
 */
public final class LsnToken {

  /** The token that requires nothing. */
  public static final LsnToken EMPTY = new LsnToken(Map.of());

  private final Map<Long, Lsn> positions;

  private LsnToken(Map<Long, Lsn> positions) {
    this.positions = positions;
  }

  /** A token holding one position. */
  public static LsnToken of(long systemIdentifier, Lsn lsn) {
    return new LsnToken(Map.of(systemIdentifier, Objects.requireNonNull(lsn, "lsn")));
  }

  /** A token holding these positions. */
  public static LsnToken of(Map<Long, Lsn> positions) {
    return positions.isEmpty() ? EMPTY : new LsnToken(Map.copyOf(positions));
  }

  /** The position this token holds for the cluster, if any. */
  public Optional<Lsn> lsnFor(long systemIdentifier) {
    return Optional.ofNullable(positions.get(systemIdentifier));
  }

  /** The clusters and positions, as an unmodifiable map. */
  public Map<Long, Lsn> positions() {
    return positions;
  }

  /** Whether this token requires nothing. */
  public boolean isEmpty() {
    return positions.isEmpty();
  }

  /** This token with the position for one cluster raised to at least {@code lsn}. */
  public LsnToken with(long systemIdentifier, Lsn lsn) {
    Lsn current = positions.get(systemIdentifier);
    if (current != null && current.isAtLeast(lsn)) {
      return this;
    }
    Map<Long, Lsn> merged = new HashMap<>(positions);
    merged.put(systemIdentifier, lsn);
    return new LsnToken(Collections.unmodifiableMap(merged));
  }

  /** A token holding, for every cluster in either token, the later of the two positions. */
  public LsnToken merge(LsnToken other) {
    if (other.isEmpty() || other == this) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    LsnToken result = this;
    for (Map.Entry<Long, Lsn> entry : other.positions.entrySet()) {
      result = result.with(entry.getKey(), entry.getValue());
    }
    return result;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof LsnToken && ((LsnToken) other).positions.equals(positions);
  }

  @Override
  public int hashCode() {
    return positions.hashCode();
  }

  /** For example {@code LsnToken{7301234567890123456=0/3000148}}, clusters in order. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("LsnToken{");
    new TreeMap<>(positions).forEach((cluster, lsn) -> {
      if (text.length() > "LsnToken{".length()) {
        text.append(", ");
      }
      text.append(Long.toUnsignedString(cluster)).append('=').append(lsn);
    });
    return text.append('}').toString();
  }
}

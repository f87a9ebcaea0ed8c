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
 * physical replicas share, so a replica only waits for positions of its own cluster. A position may also say on
 * which WAL timeline its primary wrote it (tokens lsnwait makes do), so that a promoted standby can tell its own
 * writes from those of the primary it left. Tokens are immutable; merging keeps the later position per cluster, and
 * its timeline only when both sides say the same one.
 */
public final class LsnToken {

  /** The token that requires nothing. */
  public static final LsnToken EMPTY = new LsnToken(Map.of());

  private final Map<Long, Lsn> positions;
  private final Map<Long, Integer> timelines; // only the known ones

  private LsnToken(Map<Long, Lsn> positions, Map<Long, Integer> timelines) {
    this.positions = positions;
    this.timelines = timelines;
  }

  private LsnToken(Map<Long, Lsn> positions) {
    this(positions, Map.of());
  }

  /** A token holding one position, its timeline unknown. */
  public static LsnToken of(long systemIdentifier, Lsn lsn) {
    return new LsnToken(Map.of(systemIdentifier, Objects.requireNonNull(lsn, "lsn")));
  }

  /** A token holding one position written on {@code timeline} (0: unknown). */
  public static LsnToken of(long systemIdentifier, Lsn lsn, int timeline) {
    return timeline == 0 ? of(systemIdentifier, lsn)
        : new LsnToken(Map.of(systemIdentifier, Objects.requireNonNull(lsn, "lsn")),
            Map.of(systemIdentifier, timeline));
  }

  /** A token holding these positions, their timelines unknown. */
  public static LsnToken of(Map<Long, Lsn> positions) {
    return positions.isEmpty() ? EMPTY : new LsnToken(Map.copyOf(positions));
  }

  /** The timeline the cluster's position was written on, or 0 if the token does not say. */
  public int timelineFor(long systemIdentifier) {
    return timelines.getOrDefault(systemIdentifier, 0);
  }

  /** This token with only the clusters {@code keep} accepts. */
  public LsnToken only(java.util.function.LongPredicate keep) {
    LsnToken result = EMPTY;
    for (Map.Entry<Long, Lsn> entry : positions.entrySet()) {
      if (keep.test(entry.getKey())) {
        result = result.with(entry.getKey(), entry.getValue(), timelineFor(entry.getKey()));
      }
    }
    return result.positions.size() == positions.size() ? this : result;
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
    return with(systemIdentifier, lsn, 0);
  }

  /**
   * This token with the position for one cluster raised to at least {@code lsn}, written on {@code timeline} (0:
   * unknown). Positions of two timelines merge into the later position on the <em>earlier</em> timeline, and with an
   * unknown one into an unknown timeline: a server then holds the merged position only if it holds it by position
   * (a promoted standby holds its own timeline's writes, but not the old primary's that a merged token may include).
   */
  public LsnToken with(long systemIdentifier, Lsn lsn, int timeline) {
    Lsn current = positions.get(systemIdentifier);
    int mergedTimeline = current == null ? timeline : mergedTimeline(timelineFor(systemIdentifier), timeline);
    boolean higherPosition = current == null || !current.isAtLeast(lsn);
    if (!higherPosition && mergedTimeline == timelineFor(systemIdentifier)) {
      return this;
    }
    Map<Long, Lsn> mergedPositions = higherPosition ? with(positions, systemIdentifier, lsn) : positions;
    Map<Long, Integer> mergedTimelines = mergedTimeline == 0 ? without(timelines, systemIdentifier)
        : with(timelines, systemIdentifier, mergedTimeline);
    return new LsnToken(mergedPositions, mergedTimelines);
  }

  /** {@code map} with {@code key} set: a token of one cluster (the usual one) is a small immutable map. */
  private static <V> Map<Long, V> with(Map<Long, V> map, long key, V value) {
    if (map.isEmpty() || (map.size() == 1 && map.containsKey(key))) {
      return Map.of(key, value);
    }
    Map<Long, V> copy = new HashMap<>(map);
    copy.put(key, value);
    return Collections.unmodifiableMap(copy);
  }

  private static <V> Map<Long, V> without(Map<Long, V> map, long key) {
    if (!map.containsKey(key)) {
      return map;
    }
    Map<Long, V> copy = new HashMap<>(map);
    copy.remove(key);
    return Collections.unmodifiableMap(copy);
  }

  private static int mergedTimeline(int one, int other) {
    if (one == other) {
      return one;
    }
    return one == 0 || other == 0 ? 0 : Math.min(one, other);
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
      result = result.with(entry.getKey(), entry.getValue(), other.timelineFor(entry.getKey()));
    }
    return result;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof LsnToken
        && ((LsnToken) other).positions.equals(positions)
        && ((LsnToken) other).timelines.equals(timelines);
  }

  @Override
  public int hashCode() {
    return positions.hashCode() * 31 + timelines.hashCode();
  }

  /**
   * For example {@code LsnToken{7301234567890123456=0/3000148}}, or {@code ...=0/3000148@2} with the timeline,
   * clusters in order.
   */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("LsnToken{");
    new TreeMap<>(positions).forEach((cluster, lsn) -> {
      if (text.length() > "LsnToken{".length()) {
        text.append(", ");
      }
      text.append(Long.toUnsignedString(cluster)).append('=').append(lsn);
      if (timelineFor(cluster) != 0) {
        text.append('@').append(timelineFor(cluster));
      }
    });
    return text.append('}').toString();
  }
}

package dev.lsnwait;

/**
 * A PostgreSQL WAL position (log sequence number), written {@code X/Y} as PostgreSQL prints it.
 *
 * <p>An LSN is an unsigned 64-bit number; comparisons are unsigned. Instances are immutable.
 */
public final class Lsn implements Comparable<Lsn> {

  /** The position {@code 0/0}, before any WAL. */
  public static final Lsn ZERO = new Lsn(0);

  /** MAXALIGN(sizeof(XLogPageHeaderData)): the header at the start of every WAL page. */
  static final int SHORT_PAGE_HEADER = 24;
  /** MAXALIGN(sizeof(XLogLongPageHeaderData)): the header of the first page of a WAL segment. */
  static final int LONG_PAGE_HEADER = 40;

  private static final int MAX_TEXT_LENGTH = 17; // 8 hex digits, '/', 8 hex digits

  private final long value;

  private Lsn(long value) {
    this.value = value;
  }

  /** The LSN with this unsigned 64-bit value. */
  public static Lsn of(long value) {
    return value == 0 ? ZERO : new Lsn(value);
  }

  /**
   * Parses {@code X/Y}, each part one to eight hexadecimal digits, as {@code pg_lsn} prints it.
   *
   * @throws IllegalArgumentException if the text is not an LSN
   */
  public static Lsn parse(String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException("not an LSN: " + quote(text));
    }
    int slash = text.indexOf('/');
    if (slash < 1 || slash > 8 || text.length() - slash - 1 < 1 || text.length() - slash - 1 > 8) {
      throw new IllegalArgumentException("not an LSN: " + quote(text));
    }
    long high = parseHex(text, 0, slash);
    long low = parseHex(text, slash + 1, text.length());
    return of(high << 32 | low);
  }

  private static long parseHex(String text, int from, int to) {
    long result = 0;
    for (int i = from; i < to; i++) {
      int digit = Character.digit(text.charAt(i), 16);
      if (digit < 0) {
        throw new IllegalArgumentException("not an LSN: " + quote(text));
      }
      result = result << 4 | digit;
    }
    return result;
  }

  private static String quote(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() > 40 ? "'" + text.substring(0, 40) + "...'" : "'" + text + "'";
  }

  /** The unsigned 64-bit value. */
  public long asLong() {
    return value;
  }

  /** Whether this position is at or after {@code other}. */
  public boolean isAtLeast(Lsn other) {
    return Long.compareUnsigned(value, other.value) >= 0;
  }

  /** The later of the two positions. */
  public Lsn max(Lsn other) {
    return isAtLeast(other) ? this : other;
  }

  /**
   * Undoes the page-header offset of {@code pg_current_wal_insert_lsn()} at a page boundary.
   *
   * <p>When the last record ends exactly at the end of a WAL page, the insert position already points past the next
   * page's header (24 bytes, or 40 at the start of a segment), while a replica's replay position stops at the
   * boundary until unrelated WAL arrives. Waiting for the header offset would wait for someone else's write.
   *
   * @param walBlockSize the server's {@code wal_block_size}
   * @param walSegmentSize the server's {@code wal_segment_size}, in bytes
   */
  public Lsn normalize(int walBlockSize, long walSegmentSize) {
    if (walBlockSize <= 0 || walSegmentSize <= 0) {
      throw new IllegalArgumentException("WAL block and segment sizes must be positive");
    }
    if (Long.remainderUnsigned(value, walSegmentSize) == LONG_PAGE_HEADER) {
      return of(value - LONG_PAGE_HEADER);
    }
    if (Long.remainderUnsigned(value, walBlockSize) == SHORT_PAGE_HEADER) {
      return of(value - SHORT_PAGE_HEADER);
    }
    return this;
  }

  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Lsn && ((Lsn) other).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  /** {@code X/Y} in upper-case hexadecimal, as PostgreSQL prints it. */
  @Override
  public String toString() {
    return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
  }
}

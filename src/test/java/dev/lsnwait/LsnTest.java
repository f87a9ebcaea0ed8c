package dev.lsnwait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LsnTest {

  private static final int BLOCK = 8192;
  private static final long SEGMENT = 16L << 20;

  @Test
  void parsesAndFormatsAsPostgresqlDoes() {
    assertEquals(0x3000148L, Lsn.parse("0/3000148").asLong());
    assertEquals("0/3000148", Lsn.parse("0/3000148").toString());
    assertEquals("16/B374D848", Lsn.parse("16/b374d848").toString());
    assertEquals("FFFFFFFF/FFFFFFFF", Lsn.of(-1L).toString());
    assertEquals(Lsn.of(-1L), Lsn.parse("FFFFFFFF/FFFFFFFF"));
    assertEquals(Lsn.ZERO, Lsn.parse("0/0"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "0/", "/0", "0/0/0", "123456789/0", "0/123456789", "g/0", "0/-1", " 0/1", "0x1/2"})
  void rejectsWhatIsNotAnLsn(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lsn.parse(text));
    assertTrue(e.getMessage().startsWith("not an LSN"));
  }

  @Test
  void rejectsNullAndHugeInputWithoutEchoingItAll() {
    assertThrows(IllegalArgumentException.class, () -> Lsn.parse(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lsn.parse("9".repeat(10_000)));
    assertTrue(e.getMessage().length() < 100);
  }

  @Test
  void comparesUnsigned() {
    Lsn high = Lsn.parse("FFFFFFFF/0");
    Lsn low = Lsn.parse("0/1");
    assertTrue(high.compareTo(low) > 0);
    assertTrue(high.isAtLeast(low));
    assertFalse(low.isAtLeast(high));
    assertEquals(high, low.max(high));
    assertTrue(low.isAtLeast(low));
  }

  @Test
  void normalizesTheInsertPositionRightAfterAPageHeader() {
    long page = 5 * BLOCK;
    assertEquals(Lsn.of(page), Lsn.of(page + Lsn.SHORT_PAGE_HEADER).normalize(BLOCK, SEGMENT));
    long segment = 3 * SEGMENT;
    assertEquals(Lsn.of(segment), Lsn.of(segment + Lsn.LONG_PAGE_HEADER).normalize(BLOCK, SEGMENT));
  }

  @Test
  void leavesOtherPositionsAlone() {
    long[] values = {0, 1, 5 * BLOCK, 5 * BLOCK + 23, 5 * BLOCK + 25, 5 * BLOCK + 48, 3 * SEGMENT + 24 + 1};
    for (long value : values) {
      assertEquals(Lsn.of(value), Lsn.of(value).normalize(BLOCK, SEGMENT), "at " + value);
    }
  }

  @Test
  void usesTheServersSizes() {
    int block = 32768;
    long segment = 64L << 20;
    assertEquals(Lsn.of(block), Lsn.of(block + 24).normalize(block, segment));
    assertEquals(Lsn.of(BLOCK + 24), Lsn.of(BLOCK + 24).normalize(block, segment), "8 KiB is mid-page at 32 KiB");
    assertEquals(Lsn.of(segment), Lsn.of(segment + 40).normalize(block, segment));
    assertThrows(IllegalArgumentException.class, () -> Lsn.ZERO.normalize(0, segment));
  }
}

package dev.lsnwait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LsnTokenTest {

  @Test
  void mergeKeepsTheLaterPositionPerCluster() {
    LsnToken a = LsnToken.of(Map.of(1L, Lsn.of(10), 2L, Lsn.of(50)));
    LsnToken b = LsnToken.of(Map.of(1L, Lsn.of(20), 3L, Lsn.of(5)));
    LsnToken merged = a.merge(b);
    assertEquals(Map.of(1L, Lsn.of(20), 2L, Lsn.of(50), 3L, Lsn.of(5)), merged.positions());
    assertEquals(merged, b.merge(a), "merge is commutative");
    assertEquals(merged, merged.merge(a), "and idempotent");
  }

  @Test
  void mergeComparesUnsigned() {
    LsnToken high = LsnToken.of(1, Lsn.parse("FFFFFFFF/0"));
    assertEquals(high, high.merge(LsnToken.of(1, Lsn.parse("1/0"))));
  }

  @Test
  void withOnlyRaises() {
    LsnToken token = LsnToken.of(7, Lsn.of(100));
    assertSame(token, token.with(7, Lsn.of(99)));
    assertEquals(Optional.of(Lsn.of(101)), token.with(7, Lsn.of(101)).lsnFor(7));
    assertEquals(Optional.empty(), token.lsnFor(8));
  }

  @Test
  void positionsOfTwoTimelinesMergeOnTheEarlierAndAnUnknownOneMakesItUnknown() {
    LsnToken before = LsnToken.of(1, Lsn.of(500), 1); // the old primary's, after the fork
    LsnToken after = LsnToken.of(1, Lsn.of(300), 2); // the promoted standby's own
    LsnToken merged = before.merge(after);
    assertEquals(Optional.of(Lsn.of(500)), merged.lsnFor(1));
    assertEquals(1, merged.timelineFor(1), "not timeline 2: the promoted standby would take it for its own write");
    assertEquals(merged, after.merge(before), "merge is commutative");
    assertEquals(2, after.merge(LsnToken.of(1, Lsn.of(400), 2)).timelineFor(1), "one timeline stays");
    assertEquals(0, before.merge(LsnToken.of(1, Lsn.of(600))).timelineFor(1), "with an unknown one: unknown");
    assertEquals("LsnToken{1=0/1F4@1}", merged.toString());
    assertSame(after, after.with(1, Lsn.of(200), 2));
  }

  @Test
  void emptyToken() {
    assertTrue(LsnToken.EMPTY.isEmpty());
    assertSame(LsnToken.EMPTY, LsnToken.of(Map.of()));
    LsnToken one = LsnToken.of(1, Lsn.of(1));
    assertSame(one, LsnToken.EMPTY.merge(one));
    assertSame(one, one.merge(LsnToken.EMPTY));
    assertThrows(NullPointerException.class, () -> LsnToken.of(1, null));
  }

  @Test
  void readableAndImmutable() {
    LsnToken token = LsnToken.of(Map.of(2L, Lsn.of(0x10), 1L, Lsn.of(0x20)));
    assertEquals("LsnToken{1=0/20, 2=0/10}", token.toString());
    assertThrows(UnsupportedOperationException.class, () -> token.positions().put(3L, Lsn.ZERO));
    assertEquals("LsnToken{18446744073709551615=0/1}", LsnToken.of(-1L, Lsn.of(1)).toString());
  }
}

package dev.lsnwait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.TokenCodec.Rejection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenCodecTest {

  static final byte[] KEY_1 = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  static final byte[] KEY_2 = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
  private static final LsnToken TOKEN =
      LsnToken.of(Map.of(0x6553f1a2b3c4d5e6L, Lsn.parse("0/3000148"), -2L, Lsn.parse("FFFFFFFF/FFFFFFFF")));

  @Test
  void unsignedRoundTripIsReadable() throws Exception {
    TokenCodec codec = TokenCodec.unsigned();
    String one = codec.encode(LsnToken.of(0x6553f1a2b3c4d5e6L, Lsn.parse("0/3000148")));
    assertEquals("v1.6553f1a2b3c4d5e6-3000148", one);
    assertEquals(TOKEN, codec.decode(codec.encode(TOKEN)));
    assertEquals("", codec.encode(LsnToken.EMPTY));
    assertEquals(LsnToken.EMPTY, codec.decode(""));
    assertEquals(LsnToken.EMPTY, codec.decode(null));
  }

  @Test
  void timelinesTravelAndTokensWithoutThemStillParse() throws Exception {
    TokenCodec codec = TokenCodec.unsigned();
    LsnToken withTimeline = LsnToken.of(0x6553f1a2b3c4d5e6L, Lsn.parse("0/3000148"), 0x1b);
    assertEquals("v1.6553f1a2b3c4d5e6-3000148-1b", codec.encode(withTimeline));
    assertEquals(withTimeline, codec.decode(codec.encode(withTimeline)));
    assertEquals(0x1b, codec.decode("v1.6553f1a2b3c4d5e6-3000148-1b").timelineFor(0x6553f1a2b3c4d5e6L));
    LsnToken old = codec.decode("v1.6553f1a2b3c4d5e6-3000148_2-5"); // as earlier versions wrote them
    assertEquals(Lsn.parse("0/3000148"), old.lsnFor(0x6553f1a2b3c4d5e6L).orElseThrow());
    assertEquals(0, old.timelineFor(0x6553f1a2b3c4d5e6L), "not known");
    LsnToken mixed = codec.decode("v1.1-10-2_2-5");
    assertEquals(2, mixed.timelineFor(1));
    assertEquals(0, mixed.timelineFor(2));
    LsnToken signed = TokenCodec.fromKeys("k1=" + java.util.Base64.getEncoder().encodeToString(KEY_1))
        .decode(TokenCodec.fromKeys("k1=" + java.util.Base64.getEncoder().encodeToString(KEY_1)).encode(withTimeline));
    assertEquals(withTimeline, signed, "the signature covers the timeline");
  }

  @Test
  void textIsSafeInHeadersAndCookies() {
    String signed = TokenCodec.builder().key("k1", KEY_1).build().encode(TOKEN);
    assertTrue(signed.matches("[A-Za-z0-9._-]+"), signed);
  }

  @Test
  void signedRoundTripAndKeyRotation() throws Exception {
    TokenCodec old = TokenCodec.builder().key("k1", KEY_1).build();
    TokenCodec rotated = TokenCodec.builder().key("k2", KEY_2).key("k1", KEY_1).build();
    String fromOld = old.encode(TOKEN);
    String fromNew = rotated.encode(TOKEN);
    assertTrue(fromNew.contains(".k2."));
    assertEquals(TOKEN, rotated.decode(fromOld), "old tokens still verify during rotation");
    assertEquals(TOKEN, rotated.decode(fromNew));
    assertEquals(Rejection.UNKNOWN_KEY, reason(old, fromNew));
  }

  @Test
  void signedCodecRefusesUnsignedForgedAndTamperedTokens() {
    TokenCodec codec = TokenCodec.builder().key("k1", KEY_1).build();
    String genuine = codec.encode(TOKEN);
    assertEquals(Rejection.UNSIGNED, reason(codec, TokenCodec.unsigned().encode(TOKEN)));
    String forged = TokenCodec.builder().key("k1", KEY_2).build().encode(TOKEN);
    assertEquals(Rejection.BAD_SIGNATURE, reason(codec, forged));
    String farFuture = genuine.replace("-3000148", "-7fffffffffffffff");
    assertEquals(Rejection.BAD_SIGNATURE, reason(codec, farFuture));
  }

  @Test
  void unsignedCodecTrustsSignedTokens() throws Exception {
    String signed = TokenCodec.builder().key("k1", KEY_1).build().encode(TOKEN);
    assertEquals(TOKEN, TokenCodec.unsigned().decode(signed));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "garbage", "v1", "v1.", "v2.1-1", "v1.1", "v1.1-", "v1.-1", "v1.1-1_", "v1._1-1", "v1.1-1-0", "v1.1-1-",
        "v1.1-1-1-1", "v1.1-1-80000000", "v1.1-1-G", "v1.1-G",
        "v1.1-A", "v1.1-1_1-2", "v1.11111111111111111-1", "v1.1-1.k1", "v1.1-1.k1.short", "v1.1-1..sig",
        "v1.1-1.k1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x",
        "v1.1-1.k_1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        " v1.1-1", "v1.1-1 ", "v1.1–1"
      })
  void malformedTextIsRefused(String text) {
    assertEquals(Rejection.MALFORMED, reason(TokenCodec.unsigned(), text));
  }

  @Test
  void limitsAreEnforced() {
    TokenCodec codec = TokenCodec.unsigned();
    assertEquals(Rejection.TOO_LARGE, reason(codec, "v1." + "1".repeat(TokenCodec.MAX_LENGTH)));
    StringBuilder many = new StringBuilder("v1.");
    for (int i = 0; i <= TokenCodec.MAX_ENTRIES; i++) {
      many.append(i == 0 ? "" : "_").append(Integer.toHexString(i)).append("-1");
    }
    assertEquals(Rejection.TOO_MANY_ENTRIES, reason(codec, many.toString()));
    Map<Long, Lsn> tooMany = new HashMap<>();
    for (long i = 0; i <= TokenCodec.MAX_ENTRIES; i++) {
      tooMany.put(i, Lsn.of(1));
    }
    assertThrows(IllegalArgumentException.class, () -> codec.encode(LsnToken.of(tooMany)));
  }

  @Test
  void decodeOrEmptyCountsAndNeverThrows() {
    TokenCodec codec = TokenCodec.builder().key("k1", KEY_1).build();
    assertEquals(LsnToken.EMPTY, codec.decodeOrEmpty("garbage"));
    assertEquals(LsnToken.EMPTY, codec.decodeOrEmpty("x".repeat(100_000)));
    assertEquals(LsnToken.EMPTY, codec.decodeOrEmpty(TokenCodec.unsigned().encode(TOKEN)));
    assertEquals(LsnToken.EMPTY, codec.decodeOrEmpty(null), "no token is not a rejection");
    assertEquals(1L, codec.rejections().get(Rejection.MALFORMED));
    assertEquals(1L, codec.rejections().get(Rejection.TOO_LARGE));
    assertEquals(1L, codec.rejections().get(Rejection.UNSIGNED));
    assertEquals(3L, codec.rejectedTotal());
  }

  @Test
  void otherClustersAreDroppedAndCounted() {
    TokenCodec codec = TokenCodec.unsigned();
    LsnToken kept = codec.retainClusters(TOKEN, Set.of(0x6553f1a2b3c4d5e6L));
    assertEquals(Set.of(0x6553f1a2b3c4d5e6L), kept.positions().keySet());
    assertEquals(1L, codec.rejections().get(Rejection.OTHER_CLUSTER));
    assertEquals(TOKEN, codec.retainClusters(TOKEN, Set.of()), "nothing known: nothing dropped");
  }

  @Test
  void keyConfiguration() throws Exception {
    String k1 = Base64.getEncoder().encodeToString(KEY_1);
    String k2 = Base64.getEncoder().encodeToString(KEY_2);
    TokenCodec codec = TokenCodec.fromKeys("new=" + k2 + ", old=" + k1);
    assertTrue(codec.isSigned());
    assertTrue(codec.encode(TOKEN).contains(".new."));
    assertEquals(TOKEN, codec.decode(TokenCodec.fromKeys("old=" + k1).encode(TOKEN)));
    assertFalse(TokenCodec.fromKeys("  ").isSigned());
    IllegalArgumentException shortKey =
        assertThrows(IllegalArgumentException.class, () -> TokenCodec.fromKeys("k=c2hvcnQ="));
    assertFalse(shortKey.getMessage().contains("c2hvcnQ"), "never echoes a key");
    assertThrows(IllegalArgumentException.class, () -> TokenCodec.fromKeys("k=!!notbase64!!"));
    assertThrows(IllegalArgumentException.class, () -> TokenCodec.fromKeys("nokey"));
    assertThrows(IllegalArgumentException.class, () -> TokenCodec.builder().key("bad id", KEY_1));
    assertThrows(IllegalArgumentException.class, () -> TokenCodec.builder().key("k", KEY_1).key("k", KEY_2));
    assertThrows(IllegalStateException.class, () -> TokenCodec.builder().build());
  }

  private static Rejection reason(TokenCodec codec, String text) {
    return assertThrows(MalformedTokenException.class, () -> codec.decode(text)).reason();
  }
}

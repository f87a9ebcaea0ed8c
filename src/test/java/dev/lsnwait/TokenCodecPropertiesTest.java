package dev.lsnwait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashMap;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/** Properties of the token parser, over generated input: it only ever throws its documented exception. */
class TokenCodecPropertiesTest {

  private static final TokenCodec SIGNED = TokenCodec.builder().key("k1", TokenCodecTest.KEY_1).build();
  private static final TokenCodec UNSIGNED = TokenCodec.unsigned();

  @Property(tries = 3000)
  void anyTextEitherParsesOrIsRefusedWithTheDocumentedException(@ForAll @StringLength(max = 1200) String text) {
    for (TokenCodec codec : new TokenCodec[] {SIGNED, UNSIGNED}) {
      try {
        codec.decode(text);
      } catch (MalformedTokenException expected) {
        // the only exception allowed
      }
      codec.decodeOrEmpty(text); // never throws
    }
  }

  @Property(tries = 3000)
  void tokenShapedTextEitherParsesOrIsRefused(@ForAll("tokenShaped") String text) {
    try {
      LsnToken token = UNSIGNED.decode(text);
      assertEquals(token, UNSIGNED.decode(UNSIGNED.encode(token)), "what parses re-encodes to the same token");
    } catch (MalformedTokenException expected) {
      // fine
    }
  }

  @Provide
  Arbitrary<String> tokenShaped() {
    Arbitrary<String> piece = Arbitraries.strings().withChars("v1.-_0123456789abcdefk").ofMaxLength(40);
    return piece.map(p -> "v1." + p);
  }

  @Property(tries = 500)
  void everyTokenRoundTrips(@ForAll("tokens") LsnToken token) throws Exception {
    assertEquals(token, UNSIGNED.decode(UNSIGNED.encode(token)));
    assertEquals(token, SIGNED.decode(SIGNED.encode(token)));
  }

  @Property(tries = 500)
  void anyChangeToASignedTokenIsRefused(
      @ForAll("tokens") LsnToken token, @ForAll @IntRange(min = 0, max = 10_000) int where, @ForAll char replacement) {
    String genuine = SIGNED.encode(token);
    int index = where % genuine.length();
    String changed = genuine.substring(0, index) + replacement + genuine.substring(index + 1);
    if (changed.equals(genuine)) {
      return;
    }
    try {
      LsnToken decoded = SIGNED.decode(changed);
      // Only a change that base64 ignores (the unused low bits of the last character) may still verify.
      assertEquals(token, decoded);
      assertEquals(genuine.length() - 1, index);
    } catch (MalformedTokenException expected) {
      assertNotEquals(null, expected.reason());
    }
  }

  @Provide
  Arbitrary<LsnToken> tokens() {
    return Arbitraries.maps(Arbitraries.longs(), Arbitraries.longs().map(Lsn::of))
        .ofMinSize(1)
        .ofMaxSize(TokenCodec.MAX_ENTRIES)
        .map(map -> LsnToken.of(new HashMap<>(map)));
  }

  @Property(tries = 20)
  void hugeInputIsRefusedWithoutAllocatingForIt(@ForAll @IntRange(min = 2_000, max = 5_000_000) int length) {
    String huge = "v1." + "a".repeat(length);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    UNSIGNED.decodeOrEmpty(huge); // warm up
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 10; i++) {
      UNSIGNED.decodeOrEmpty(huge);
    }
    long perCall = (threads.getThreadAllocatedBytes(thread) - before) / 10;
    assertTrue(perCall < 4_096, "allocated " + perCall + " bytes for a " + length + "-character input");
  }

  @Property(tries = 200)
  void boundedInputAllocatesBoundedMemory(@ForAll @StringLength(max = TokenCodec.MAX_LENGTH) String text) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);
    SIGNED.decodeOrEmpty(text);
    long used = threads.getThreadAllocatedBytes(thread) - before;
    assertTrue(used < 64 * 1024, "allocated " + used + " bytes for " + text.length() + " characters");
  }

}

package dev.lsnwait.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.TokenCodec;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile headers and cookies through the whole filter path: whatever a client sends, the application's chain runs
 * once with a valid (possibly empty) token, nothing is thrown, no response header is forged, and the thread is
 * clean afterwards.
 */
class FilterFuzzTest {

  private static final TokenCodec SIGNED =
      TokenCodec.builder().key("k1", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII)).build();

  @Provide
  Arbitrary<String> hostile() {
    Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(3000);
    Arbitrary<String> tokenLike = Arbitraries.strings().withChars("v1.-_0123456789abcdefk").ofMaxLength(200)
        .map(s -> "v1." + s);
    Arbitrary<String> forged = Arbitraries.longs().map(lsn -> TokenCodec.unsigned()
        .encode(LsnToken.of(7, dev.lsnwait.Lsn.of(lsn))) + ".k1." + "A".repeat(43));
    return Arbitraries.oneOf(anything, tokenLike, forged);
  }

  @Property(tries = 1000)
  void noClientInputBreaksTheRequest(@ForAll("hostile") String header, @ForAll("hostile") String cookie)
      throws Exception {
    LsnWaitFilter filter = LsnWaitFilter.builder().codec(SIGNED).clusters(Set.of(7L)).build();
    HttpServletRequest request = mock(HttpServletRequest.class);
    HttpServletResponse response = mock(HttpServletResponse.class);
    when(request.getHeader("LsnWait-Token")).thenReturn(header);
    when(request.getCookies()).thenReturn(new Cookie[] {new Cookie("lsnwait", "x") {
      @Override
      public String getValue() {
        return cookie; // any value, even one a container would refuse to build
      }
    }});
    AtomicReference<LsnToken> seenByApplication = new AtomicReference<>();
    FilterChain chain = (req, res) -> {
      try {
        seenByApplication.set(LsnContext.current());
      } catch (java.sql.SQLException e) {
        throw new jakarta.servlet.ServletException(e);
      }
    };
    long rejectedBefore = filter.codec().rejectedTotal();

    filter.doFilter(request, response, chain);

    LsnToken seen = seenByApplication.get();
    assertTrue(seen != null, "the application ran");
    assertTrue(seen.isEmpty(), "only tokens signed with the key are accepted, and none of these is: " + seen);
    verify(response, never()).setHeader(any(), any()); // the request wrote nothing: no token is issued
    assertTrue(LsnContext.current().isEmpty(), "nothing left on the thread");
    boolean nothingSent = (header == null || header.isEmpty()) && (cookie == null || cookie.isEmpty());
    assertEquals(nothingSent, filter.codec().rejectedTotal() == rejectedBefore, "every bad token is counted");
  }
}

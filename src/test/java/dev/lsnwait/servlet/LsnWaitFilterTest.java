package dev.lsnwait.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.TokenCodec;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LsnWaitFilterTest {

  private static FilterConfig config(Map<String, String> parameters) {
    FilterConfig config = mock(FilterConfig.class);
    when(config.getInitParameter(anyString())).thenAnswer(call -> parameters.get(call.<String>getArgument(0)));
    return config;
  }

  @Test
  void defaults() {
    LsnWaitFilter filter = new LsnWaitFilter();
    assertEquals("LsnWait-Token", filter.headerName());
    assertEquals(CookieSettings.DEFAULTS, filter.cookie());
    assertFalse(filter.codec().isSigned());
  }

  @Test
  void initParametersConfigureIt() throws ServletException {
    String key = Base64.getEncoder().encodeToString(new byte[32]);
    LsnWaitFilter filter = new LsnWaitFilter();
    filter.init(
        config(
            Map.of(
                "headerName", "X-Read-After",
                "cookieName", "ryw",
                "cookieMaxAgeSeconds", "30",
                "cookieSecure", "true",
                "cookieHttpOnly", "false",
                "cookieSameSite", "Strict",
                "keys", "k1=" + key,
                "clusters", "18446744073709551615, 7")));
    assertEquals("X-Read-After", filter.headerName());
    assertEquals(new CookieSettings("ryw", "/", Duration.ofSeconds(30), false, true, "Strict"), filter.cookie());
    assertTrue(filter.codec().isSigned());
  }

  @Test
  void cookieCanBeTurnedOff() throws ServletException {
    LsnWaitFilter filter = new LsnWaitFilter();
    filter.init(config(Map.of("cookieName", "none")));
    assertNull(filter.cookie().name());
  }

  @Test
  void badConfigurationIsAServletException() {
    LsnWaitFilter filter = new LsnWaitFilter();
    ServletException e =
        assertThrows(ServletException.class, () -> filter.init(config(Map.of("keys", "k1=dG9vc2hvcnQ="))));
    assertTrue(e.getMessage().contains("shorter"), e.getMessage());
    assertThrows(ServletException.class, () -> new LsnWaitFilter().init(config(Map.of("clusters", "x"))));
  }

  @Test
  void readsHeaderAndCookieMergedAndDropsOtherClusters() {
    TokenCodec codec = TokenCodec.unsigned();
    LsnWaitFilter filter =
        LsnWaitFilter.builder().codec(codec).clusters(Set.of(1L, 2L)).trustUnsignedTokens(true).build();
    HttpServletRequest request = mock(HttpServletRequest.class);
    when(request.getHeader("LsnWait-Token")).thenReturn(codec.encode(LsnToken.of(1, Lsn.of(10))));
    when(request.getCookies())
        .thenReturn(
            new Cookie[] {
              new Cookie("other", "x"),
              new Cookie("lsnwait", codec.encode(LsnToken.of(Map.of(1L, Lsn.of(5), 2L, Lsn.of(7), 3L, Lsn.of(9)))))
            });
    assertEquals(LsnToken.of(Map.of(1L, Lsn.of(10), 2L, Lsn.of(7))), filter.readToken(request));
    assertEquals(1L, codec.rejections().get(TokenCodec.Rejection.OTHER_CLUSTER));
    LsnContext.clear();
  }

  @Test
  void byDefaultAnUnsignedTokenWhosePrimaryIsUnknownIsDropped() {
    TokenCodec codec = TokenCodec.unsigned();
    LsnWaitFilter filter = LsnWaitFilter.builder().codec(codec).clusters(Set.of(1L)).build();
    HttpServletRequest request = mock(HttpServletRequest.class);
    when(request.getHeader("LsnWait-Token")).thenReturn(codec.encode(LsnToken.of(1, Lsn.of(-1L))));
    assertTrue(filter.readToken(request).isEmpty(), "no primary of cluster 1 to check it against");
    assertEquals(1L, codec.rejections().get(TokenCodec.Rejection.UNVERIFIABLE));
  }

  @Test
  void aQuotedCookieValueAsTomcatPassesItOnIsRead() {
    TokenCodec codec = TokenCodec.unsigned();
    LsnWaitFilter filter = LsnWaitFilter.builder().codec(codec).clusters(Set.of(1L)).trustUnsignedTokens(true).build();
    HttpServletRequest request = mock(HttpServletRequest.class);
    when(request.getCookies()).thenReturn(
        new Cookie[] {new Cookie("lsnwait", "\"" + codec.encode(LsnToken.of(1, Lsn.of(10))) + "\"")});
    assertEquals(LsnToken.of(1, Lsn.of(10)), filter.readToken(request));
    assertEquals(0, codec.rejectedTotal());
  }
}

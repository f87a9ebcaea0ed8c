package dev.lsnwait.servlet;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.TokenCodec;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Carries the read-your-writes token across HTTP requests (Jakarta Servlet 6).
 *
 * <p>For each request it reads the token from the {@value TokenCodec#DEFAULT_HEADER} header and the {@code lsnwait}
 * cookie (names configurable), makes it the request's {@link LsnContext} for the whole request, and, if the request
 * made it newer (it wrote), sends the new token in the response header and cookie before the response commits.
 * Afterwards the thread's context is cleared, so nothing leaks into the next request. With async servlets, tasks run
 * through {@code AsyncContext.start} carry the request's token, and {@code AsyncContext.complete()} attaches theirs.
 *
 * <p>A token that is malformed, oversized, wrongly signed, or names a cluster this application does not use is
 * dropped and counted ({@link #codec()}{@code .rejections()}); the request goes on as if it had none. Register it
 * with {@code asyncSupported=true}. Configure it with {@link #builder()}, or by init parameters: {@code headerName},
 * {@code cookieName} ({@code none} for header only), {@code cookiePath}, {@code cookieMaxAgeSeconds},
 * {@code cookieHttpOnly}, {@code cookieSecure} ({@code true}, {@code false}, {@code auto}), {@code cookieSameSite},
 * {@code keys} ({@code id=base64key,...}, see {@link TokenCodec#fromKeys}), {@code clusters} (system identifiers,
 * comma-separated; default: those the lsnwait driver has connected to).
 */
public final class LsnWaitFilter implements Filter {

  private final boolean configuredInCode;
  private TokenCodec codec;
  private String headerName;
  private CookieSettings cookie;
  private Set<Long> clusters; // empty: the driver's known clusters
  private final LongAdder issued = new LongAdder();

  /** With the defaults, changed by init parameters: for web.xml and containers that instantiate filters. */
  public LsnWaitFilter() {
    this(false, TokenCodec.unsigned(), TokenCodec.DEFAULT_HEADER, CookieSettings.DEFAULTS, Set.of());
  }

  private LsnWaitFilter(
      boolean configuredInCode, TokenCodec codec, String headerName, CookieSettings cookie, Set<Long> clusters) {
    this.configuredInCode = configuredInCode;
    this.codec = codec;
    this.headerName = headerName;
    this.cookie = cookie;
    this.clusters = clusters;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void init(FilterConfig config) throws ServletException {
    if (configuredInCode) {
      return;
    }
    try {
      codec = TokenCodec.fromKeys(config.getInitParameter("keys"));
      headerName = or(config.getInitParameter("headerName"), headerName);
      String cookieName = or(config.getInitParameter("cookieName"), cookie.name());
      String secure = or(config.getInitParameter("cookieSecure"), "auto");
      cookie =
          new CookieSettings(
              "none".equals(cookieName) ? null : cookieName,
              or(config.getInitParameter("cookiePath"), cookie.path()),
              Duration.ofSeconds(
                  Long.parseLong(
                      or(config.getInitParameter("cookieMaxAgeSeconds"), "" + cookie.maxAge().toSeconds()))),
              Boolean.parseBoolean(or(config.getInitParameter("cookieHttpOnly"), "" + cookie.httpOnly())),
              "auto".equals(secure) ? null : Boolean.valueOf(secure),
              or(config.getInitParameter("cookieSameSite"), cookie.sameSite()));
      clusters = parseClusters(config.getInitParameter("clusters"));
    } catch (IllegalArgumentException e) {
      throw new ServletException("lsnwait: invalid LsnWaitFilter configuration: " + e.getMessage(), e);
    }
  }

  private static String or(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static Set<Long> parseClusters(String text) {
    Set<Long> result = new HashSet<>();
    if (text != null) {
      for (String id : text.split(",")) {
        if (!id.isBlank()) {
          result.add(Long.parseUnsignedLong(id.trim()));
        }
      }
    }
    return Set.copyOf(result);
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
      chain.doFilter(request, response);
      return;
    }
    HttpServletRequest http = (HttpServletRequest) request;
    LsnToken incoming = readToken(http);
    TokenResponse tokenResponse = new TokenResponse((HttpServletResponse) response, http, this, incoming);
    TokenRequest tokenRequest = new TokenRequest(http, tokenResponse);
    try (LsnContext.Scope scope = LsnContext.open(incoming)) {
      try {
        chain.doFilter(tokenRequest, tokenResponse);
      } finally {
        if (!tokenRequest.isAsyncStarted()) {
          tokenResponse.attach();
        }
      }
    } finally {
      LsnContext.clear(); // a container thread keeps nothing for the next request
    }
  }

  /** The token the request brings: header and cookie merged, refused ones dropped and counted. */
  LsnToken readToken(HttpServletRequest request) {
    LsnToken token = codec.decodeOrEmpty(request.getHeader(headerName));
    if (cookie.name() != null && request.getCookies() != null) {
      for (Cookie candidate : request.getCookies()) {
        if (cookie.name().equals(candidate.getName())) {
          token = token.merge(codec.decodeOrEmpty(candidate.getValue()));
        }
      }
    }
    return codec.retainClusters(token, clusters.isEmpty() ? LsnWaitDriver.knownClusters() : clusters);
  }

  /** The codec: its {@code rejections()} count the tokens this filter refused, by reason. */
  public TokenCodec codec() {
    return codec;
  }

  public String headerName() {
    return headerName;
  }

  public CookieSettings cookie() {
    return cookie;
  }

  /** How many responses carried a new token. */
  public long issuedTokens() {
    return issued.sum();
  }

  void countIssued() {
    issued.increment();
  }

  /** Configures a filter in code (Spring's {@code FilterRegistrationBean}, embedded containers). */
  public static final class Builder {
    private TokenCodec codec = TokenCodec.unsigned();
    private String headerName = TokenCodec.DEFAULT_HEADER;
    private CookieSettings cookie = CookieSettings.DEFAULTS;
    private Set<Long> clusters = Set.of();

    private Builder() {}

    /** Signing and verification keys; default unsigned. */
    public Builder codec(TokenCodec codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    public Builder headerName(String headerName) {
      this.headerName = Objects.requireNonNull(headerName, "headerName");
      return this;
    }

    /** The cookie; a {@code name} of null sends the header only. */
    public Builder cookie(CookieSettings cookie) {
      this.cookie = Objects.requireNonNull(cookie, "cookie");
      return this;
    }

    /** The clusters tokens may name; default: those the lsnwait driver has connected to. */
    public Builder clusters(Set<Long> clusters) {
      this.clusters = Set.copyOf(clusters);
      return this;
    }

    public LsnWaitFilter build() {
      return new LsnWaitFilter(true, codec, headerName, cookie, clusters);
    }
  }
}

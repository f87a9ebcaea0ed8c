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
 * cookie (names configurable), adds it to the request's {@link LsnContext} for the whole request, and, if the request
 * made it newer (it wrote), sends the new token in the response header and cookie before the response commits
 * (replacing them while it has not, if the request wrote again). The request's context spans all its dispatches
 * (FORWARD, INCLUDE, ERROR, ASYNC: map the filter for all of them) and the tasks of {@code AsyncContext.start};
 * {@code AsyncContext.complete()} attaches the token. Afterwards the thread's context is cleared, so nothing leaks
 * into the next request (unless filters before this one had committed: they keep their commits and the request's).
 *
 * <p>A token that is malformed, oversized, wrongly signed, or names a cluster this application does not use is
 * dropped and counted ({@link #codec()}{@code .rejections()}); the request goes on as if it had none. Without keys,
 * a token is capped at its primary's current WAL position ({@link LsnWaitDriver#capToPrimaries}), so a forged
 * position cannot make reads wait longer than the replicas' lag; when that position cannot be read in time, the
 * token is kept as it came and counted ({@link #codec()}{@code .unchecked()}), since lowering it to an older read
 * could make a genuine token's read stale; a cluster whose primary this application has no connection to is
 * dropped ({@code UNVERIFIABLE}). A response whose token cannot be made (its commits' positions unreadable, after
 * retries) is logged as a warning and counted ({@code unsent()}). Register it with {@code asyncSupported=true}.
 * Configure it with {@link #builder()}, or by init parameters: {@code headerName}, {@code cookieName}
 * ({@code none} for header only), {@code cookiePath}, {@code cookieMaxAgeSeconds}, {@code cookieHttpOnly},
 * {@code cookieSecure} ({@code true}, {@code false}, {@code auto}), {@code cookieSameSite}, {@code keys}
 * ({@code id=base64key,...}, see {@link TokenCodec#fromKeys}), {@code clusters} (system identifiers,
 * comma-separated; default: those the lsnwait driver has connected to), {@code trustUnsignedTokens}
 * ({@code false}).
 */
public final class LsnWaitFilter implements Filter {

  /** How long reading a primary's position to cap an unsigned incoming token may take. */
  private static final Duration CAP_TIMEOUT = Duration.ofSeconds(1);

  private final boolean configuredInCode;
  private TokenCodec codec;
  private String headerName;
  private CookieSettings cookie;
  private Set<Long> clusters; // empty: the driver's known clusters
  private boolean trustUnsigned;
  private final LongAdder issued = new LongAdder();

  /** With the defaults, changed by init parameters: for web.xml and containers that instantiate filters. */
  public LsnWaitFilter() {
    this(false, TokenCodec.unsigned(), TokenCodec.DEFAULT_HEADER, CookieSettings.DEFAULTS, Set.of(), false);
  }

  private LsnWaitFilter(boolean configuredInCode, TokenCodec codec, String headerName, CookieSettings cookie,
      Set<Long> clusters, boolean trustUnsigned) {
    this.configuredInCode = configuredInCode;
    this.codec = codec;
    this.headerName = headerName;
    this.cookie = cookie;
    this.clusters = clusters;
    this.trustUnsigned = trustUnsigned;
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
      trustUnsigned = Boolean.parseBoolean(or(config.getInitParameter("trustUnsignedTokens"), "false"));
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
    Object known = request.getAttribute(RequestTokens.ATTRIBUTE);
    if (known instanceof RequestTokens tokens) {
      if (tokens.runningHere()) {
        chain.doFilter(request, response); // FORWARD or INCLUDE inside a dispatch: the context is the request's
      } else {
        laterDispatch(tokens, request, response, chain); // ERROR or ASYNC, possibly on another thread
      }
      return;
    }
    HttpServletRequest http = (HttpServletRequest) request;
    LsnToken incoming = readToken(http);
    boolean threadWasClean = LsnContext.snapshot().isEmpty();
    LsnContext.merge(incoming); // keeps what filters before this one committed
    RequestTokens tokens = new RequestTokens(LsnContext.snapshot());
    TokenResponse tokenResponse =
        new TokenResponse((HttpServletResponse) response, http, this, tokens, incoming);
    TokenRequest tokenRequest = new TokenRequest(http, tokenResponse);
    request.setAttribute(RequestTokens.ATTRIBUTE, tokens);
    try {
      tokens.running(true);
      chain.doFilter(tokenRequest, tokenResponse);
    } finally {
      tokens.running(false);
      tokens.add(LsnContext.snapshot());
      if (!tokenRequest.isAsyncStarted()) {
        tokenResponse.finish();
      }
      if (threadWasClean) {
        LsnContext.clear(); // a container thread keeps nothing for the next request
      } else {
        LsnContext.merge(tokens.state()); // the filters before this one see what the request did
      }
    }
  }

  /** A dispatch of a request this filter began, after its first: runs with, and adds to, the request's context. */
  private void laterDispatch(RequestTokens tokens, ServletRequest request, ServletResponse response,
      FilterChain chain) throws IOException, ServletException {
    try (LsnContext.Scope scope = LsnContext.open(tokens.state())) {
      try {
        tokens.running(true);
        chain.doFilter(request, response);
      } finally {
        tokens.running(false);
        tokens.add(LsnContext.snapshot());
        if (!request.isAsyncStarted() && response instanceof TokenResponse tokenResponse) {
          tokenResponse.finish();
        }
      }
    }
  }

  /**
   * The token the request brings: header and cookie merged, refused ones dropped and counted. Without keys, a token
   * from outside is capped at its primary's current position (unless {@code trustUnsignedTokens}), so a forged
   * position from the future cannot make the request's reads wait longer than the replicas' lag.
   */
  LsnToken readToken(HttpServletRequest request) {
    LsnToken token = codec.decodeOrEmpty(request.getHeader(headerName));
    if (cookie.name() != null && request.getCookies() != null) {
      for (Cookie candidate : request.getCookies()) {
        if (cookie.name().equals(candidate.getName())) {
          token = token.merge(codec.decodeOrEmpty(unquoted(candidate.getValue())));
        }
      }
    }
    token = codec.retainClusters(token, clusters.isEmpty() ? LsnWaitDriver.knownClusters() : clusters);
    if (token.isEmpty() || codec.isSigned() || trustUnsigned) {
      return token;
    }
    LsnToken capped = LsnWaitDriver.capToPrimaries(token, CAP_TIMEOUT, cluster -> codec.countUnchecked());
    for (Long cluster : token.positions().keySet()) {
      if (!capped.positions().containsKey(cluster)) {
        codec.reject(TokenCodec.Rejection.UNVERIFIABLE);
      }
    }
    return capped;
  }

  /**
   * A cookie value without the double quotes RFC 6265 allows around it: Tomcat hands them on (Java's
   * {@code CookieManager} sends them, for one), Jetty drops them; they are never part of a token.
   */
  static String unquoted(String value) {
    return value != null && value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"'
        ? value.substring(1, value.length() - 1) : value;
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
    private boolean trustUnsigned;

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

    /**
     * Without keys, takes tokens from requests as they come instead of capping them at the primary's position:
     * only for traffic from callers you trust (anyone else could make reads wait their whole timeout).
     */
    public Builder trustUnsignedTokens(boolean trust) {
      this.trustUnsigned = trust;
      return this;
    }

    public LsnWaitFilter build() {
      return new LsnWaitFilter(true, codec, headerName, cookie, clusters, trustUnsigned);
    }
  }
}

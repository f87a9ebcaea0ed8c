package dev.lsnwait.spring;

import dev.lsnwait.TokenCodec;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * lsnwait's Spring Boot properties ({@code lsnwait.*}). The driver's own settings ({@code lsnwait.timeout},
 * {@code lsnwait.replicas}, ...) belong in the JDBC URL, as everywhere else.
 */
@ConfigurationProperties(prefix = "lsnwait")
public class LsnWaitProperties {

  private final Web web = new Web();
  private final Propagation propagation = new Propagation();
  private final Async async = new Async();
  private final Metrics metrics = new Metrics();

  public Web getWeb() {
    return web;
  }

  public Propagation getPropagation() {
    return propagation;
  }

  public Async getAsync() {
    return async;
  }

  public Metrics getMetrics() {
    return metrics;
  }

  /** The servlet filter that carries tokens between requests. */
  public static class Web {
    /** Whether to register the filter (servlet web applications). */
    private boolean enabled = true;
    /** Signing keys, {@code id=base64key[,id2=base64key2]}; the first signs. Unset: unsigned tokens. */
    private String keys;
    /** The request and response header that carries the token. */
    private String headerName = TokenCodec.DEFAULT_HEADER;
    /** Without keys, take tokens from requests as they come (only behind callers you trust). */
    private boolean trustUnsignedTokens;
    /** The filter's order: before anything that may touch the database, Spring Security included. */
    private int order = org.springframework.core.Ordered.HIGHEST_PRECEDENCE + 10;
    private final Cookie cookie = new Cookie();

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getKeys() {
      return keys;
    }

    public void setKeys(String keys) {
      this.keys = keys;
    }

    public String getHeaderName() {
      return headerName;
    }

    public void setHeaderName(String headerName) {
      this.headerName = headerName;
    }

    public boolean isTrustUnsignedTokens() {
      return trustUnsignedTokens;
    }

    public void setTrustUnsignedTokens(boolean trustUnsignedTokens) {
      this.trustUnsignedTokens = trustUnsignedTokens;
    }

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }

    public Cookie getCookie() {
      return cookie;
    }
  }

  /** The token cookie. */
  public static class Cookie {
    /** Whether to send and read the cookie (off: the header only). */
    private boolean enabled = true;
    /** The cookie's name. */
    private String name = "lsnwait";
    /** Its Path. */
    private String path = "/";
    /** Its Max-Age: how long a browser keeps the token. */
    private Duration maxAge = Duration.ofSeconds(60);
    /** Whether scripts cannot read it. */
    private boolean httpOnly = true;
    /** Secure: true or false; unset, as the request ({@code request.isSecure()}). */
    private Boolean secure;
    /** Its SameSite attribute ({@code Lax}, {@code Strict}, {@code None}). */
    private String sameSite = "Lax";

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public Duration getMaxAge() {
      return maxAge;
    }

    public void setMaxAge(Duration maxAge) {
      this.maxAge = maxAge;
    }

    public boolean isHttpOnly() {
      return httpOnly;
    }

    public void setHttpOnly(boolean httpOnly) {
      this.httpOnly = httpOnly;
    }

    public Boolean getSecure() {
      return secure;
    }

    public void setSecure(Boolean secure) {
      this.secure = secure;
    }

    public String getSameSite() {
      return sameSite;
    }

    public void setSameSite(String sameSite) {
      this.sameSite = sameSite;
    }
  }

  /** The token on outgoing calls of {@code RestClient}, {@code RestTemplate} and {@code WebClient}. */
  public static class Propagation {
    /** Whether to add the thread's token to outgoing calls (and take the one a response brings). */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The token in {@code @Async} methods and Spring's task executors. */
  public static class Async {
    /** Whether to provide a {@code TaskDecorator} that carries the token into tasks. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** Micrometer meters and observations. */
  public static class Metrics {
    /** Whether to bind lsnwait's meters and observe waits. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}

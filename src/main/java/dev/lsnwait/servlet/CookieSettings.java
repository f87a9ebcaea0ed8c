package dev.lsnwait.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;

/**
 * How the token cookie is written.
 *
 * @param name the cookie's name; null for no cookie (header only)
 * @param path its Path
 * @param maxAge its Max-Age: how long a browser keeps the token; replication has long caught up after that
 * @param httpOnly whether scripts cannot read it
 * @param secure true or false, or null for "as the request" ({@code request.isSecure()})
 * @param sameSite its SameSite attribute ({@code Lax}, {@code Strict}, {@code None}), or null for none
 */
public record CookieSettings(
    String name, String path, Duration maxAge, boolean httpOnly, Boolean secure, String sameSite) {

  /** {@code lsnwait}, path {@code /}, 60 s, HttpOnly, Secure as the request, SameSite=Lax. */
  public static final CookieSettings DEFAULTS =
      new CookieSettings("lsnwait", "/", Duration.ofSeconds(60), true, null, "Lax");

  /**
   * The {@code Set-Cookie} header value for a token (RFC 6265). lsnwait writes the header itself, so that a later
   * token of the same response can replace it; a token's text needs no quoting.
   */
  String header(String value, HttpServletRequest request) {
    StringBuilder header = new StringBuilder(name).append('=').append(value);
    header.append("; Max-Age=").append(Math.min(Integer.MAX_VALUE, maxAge.toSeconds()));
    if (path != null && !path.isBlank()) {
      header.append("; Path=").append(path);
    }
    if (secure != null ? secure : request.isSecure()) {
      header.append("; Secure");
    }
    if (httpOnly) {
      header.append("; HttpOnly");
    }
    if (sameSite != null && !sameSite.isBlank()) {
      header.append("; SameSite=").append(sameSite);
    }
    return header.toString();
  }
}

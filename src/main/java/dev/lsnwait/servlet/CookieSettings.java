package dev.lsnwait.servlet;

import jakarta.servlet.http.Cookie;
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

  Cookie toCookie(String value, HttpServletRequest request) {
    Cookie cookie = new Cookie(name, value);
    cookie.setPath(path);
    cookie.setMaxAge((int) Math.min(Integer.MAX_VALUE, maxAge.toSeconds()));
    cookie.setHttpOnly(httpOnly);
    cookie.setSecure(secure != null ? secure : request.isSecure());
    if (sameSite != null && !sameSite.isBlank()) {
      cookie.setAttribute("SameSite", sameSite);
    }
    return cookie;
  }
}

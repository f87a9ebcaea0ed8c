package dev.lsnwait.servlet;

import dev.lsnwait.LsnToken;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The response of a filtered request: it puts the request's token in the header and cookie whenever the response may
 * commit (bytes that fill the buffer or reach the content length, a flush, a redirect, an error, the end of a
 * dispatch, {@code AsyncContext.complete()}), and replaces them at each of those moments while the response is still
 * uncommitted, so commits made after an early moment are not lost. The body's bytes are counted exactly (a writer
 * is encoded here, over the output stream), so the moment is known, not guessed.
 */
final class TokenResponse extends HttpServletResponseWrapper {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.servlet");
  private static final String SET_COOKIE = "Set-Cookie";
  private static final String CONTENT_LENGTH = "Content-Length";

  private final LsnWaitFilter filter;
  private final HttpServletRequest request;
  private final RequestTokens tokens;
  private final LsnToken incoming;
  private LsnToken attached; // the token in the headers now, or null
  private boolean unsent; // a moment passed without the token: logged and counted; later ones try once, no retries
  private long written;
  private long contentLength = -1;
  private TokenOutputStream stream;
  private PrintWriter writer;

  TokenResponse(HttpServletResponse response, HttpServletRequest request, LsnWaitFilter filter, RequestTokens tokens,
      LsnToken incoming) {
    super(response);
    this.filter = filter;
    this.request = request;
    this.tokens = tokens;
    this.incoming = incoming;
  }

  RequestTokens tokens() {
    return tokens;
  }

  /** Puts the request's token in the header and cookie, or replaces them, unless the response has committed. */
  void attach() {
    if (isCommitted()) {
      return;
    }
    LsnToken now;
    try {
      now = unsent ? tokens.resolve() : tokens.resolveRetrying();
    } catch (SQLException e) {
      if (!unsent) {
        unsent = true;
        filter.codec().countUnsent();
        // The request path only (a query string may hold secrets); the message names the primary, never a password.
        LOG.log(System.Logger.Level.WARNING, "lsnwait: the response to {0} {1} carries no token: the WAL positions "
            + "of its commits could not be read ({2}); reads of this client that follow may miss its writes",
            request.getMethod(), request.getRequestURI(), e.getMessage());
      }
      return;
    }
    if (now.isEmpty() || now.equals(incoming) || now.equals(attached)) {
      return;
    }
    String value = filter.codec().encode(now);
    setHeader(filter.headerName(), value);
    CookieSettings cookie = filter.cookie();
    if (cookie.name() != null) {
      putCookie(cookie, cookie.header(value, request));
    }
    if (attached == null) {
      filter.countIssued();
    }
    attached = now;
  }

  private void putCookie(CookieSettings cookie, String header) {
    if (attached == null) {
      addHeader(SET_COOKIE, header);
      return;
    }
    List<String> others = new ArrayList<>();
    for (String existing : getHeaders(SET_COOKIE)) {
      if (!existing.startsWith(cookie.name() + "=")) {
        others.add(existing);
      }
    }
    setHeader(SET_COOKIE, header); // replaces every Set-Cookie: the application's go back after it
    for (String other : others) {
      addHeader(SET_COOKIE, other);
    }
  }

  /**
   * The end of a dispatch, or {@code AsyncContext.complete()}: the token goes in, then what the writer still holds
   * goes to the container, which does not know this writer.
   */
  void finish() {
    attach();
    if (writer != null) {
      writer.flush();
    }
  }

  /** Called before {@code bytes} more reach the container: attach first if they may commit the response. */
  void beforeWrite(long bytes) {
    long limit = getBufferSize();
    if (contentLength >= 0) {
      limit = Math.min(limit, contentLength);
    }
    if (written + bytes >= limit) {
      attach();
    }
    written += bytes;
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    if (writer != null) {
      throw new IllegalStateException("getWriter() has already been called for this response");
    }
    return stream();
  }

  private TokenOutputStream stream() throws IOException {
    if (stream == null) {
      stream = new TokenOutputStream(super.getOutputStream(), this);
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    if (writer == null) {
      if (stream != null) {
        throw new IllegalStateException("getOutputStream() has already been called for this response");
      }
      String encoding = getCharacterEncoding();
      setCharacterEncoding(encoding); // as the container's writer would: Content-Type names the charset
      writer = new PrintWriter(new OutputStreamWriter(stream(), encoding), false);
    }
    return writer;
  }

  @Override
  public void flushBuffer() throws IOException {
    attach();
    if (writer != null) {
      writer.flush();
    }
    super.flushBuffer();
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    attach();
    super.sendRedirect(location);
  }

  @Override
  public void sendRedirect(String location, boolean clearBuffer) throws IOException {
    attach();
    super.sendRedirect(location, clearBuffer);
  }

  @Override
  public void sendRedirect(String location, int status) throws IOException {
    attach();
    super.sendRedirect(location, status);
  }

  @Override
  public void sendRedirect(String location, int status, boolean clearBuffer) throws IOException {
    attach();
    super.sendRedirect(location, status, clearBuffer);
  }

  @Override
  public void sendError(int status) throws IOException {
    attach();
    super.sendError(status);
  }

  @Override
  public void sendError(int status, String message) throws IOException {
    attach();
    super.sendError(status, message);
  }

  @Override
  public void setContentLength(int length) {
    contentLength = length;
    super.setContentLength(length);
  }

  @Override
  public void setContentLengthLong(long length) {
    contentLength = length;
    super.setContentLengthLong(length);
  }

  @Override
  public void setHeader(String name, String value) {
    noteContentLength(name, value);
    super.setHeader(name, value);
  }

  @Override
  public void addHeader(String name, String value) {
    noteContentLength(name, value);
    super.addHeader(name, value);
  }

  @Override
  public void setIntHeader(String name, int value) {
    noteContentLength(name, Integer.toString(value));
    super.setIntHeader(name, value);
  }

  @Override
  public void addIntHeader(String name, int value) {
    noteContentLength(name, Integer.toString(value));
    super.addIntHeader(name, value);
  }

  private void noteContentLength(String name, String value) {
    if (CONTENT_LENGTH.equalsIgnoreCase(name)) {
      try {
        contentLength = value == null ? -1 : Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        contentLength = -1; // the container will refuse it too
      }
    }
  }

  @Override
  public void reset() {
    super.reset(); // clears headers and cookies too: attach again later
    attached = null;
    written = 0;
    contentLength = -1;
  }

  @Override
  public void resetBuffer() {
    super.resetBuffer();
    written = 0;
  }
}

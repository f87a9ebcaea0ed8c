package dev.lsnwait.servlet;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.SQLException;

/**
 * The response of a filtered request: it adds the token header and cookie at the last moment they can still be
 * sent — just before the response commits (a write that fills the buffer or reaches the content length, a flush,
 * a redirect, an error, the end of the request), so writes made while the body is produced are included.
 */
final class TokenResponse extends HttpServletResponseWrapper {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.servlet");
  /** The most bytes one written char can take (UTF-8 within the BMP; a surrogate pair is 4 bytes for 2 chars). */
  private static final int MAX_BYTES_PER_CHAR = 3;

  private final LsnWaitFilter filter;
  private final HttpServletRequest request;
  private final LsnToken incoming;
  private boolean attached;
  private long written;
  private long contentLength = -1;
  private TokenOutputStream stream;
  private PrintWriter writer;

  TokenResponse(HttpServletResponse response, HttpServletRequest request, LsnWaitFilter filter, LsnToken incoming) {
    super(response);
    this.filter = filter;
    this.request = request;
    this.incoming = incoming;
  }

  /** Adds the header and cookie if this request made the token newer and the response is not committed yet. */
  void attach() {
    if (attached || isCommitted()) {
      return;
    }
    attached = true;
    LsnToken now;
    try {
      now = LsnContext.current();
    } catch (SQLException e) {
      LOG.log(System.Logger.Level.WARNING, "lsnwait: no token for this response: {0}", e.getMessage());
      return;
    }
    if (now.isEmpty() || now.equals(incoming)) {
      return;
    }
    String value = filter.codec().encode(now);
    setHeader(filter.headerName(), value);
    CookieSettings cookie = filter.cookie();
    if (cookie.name() != null) {
      addCookie(cookie.toCookie(value, request));
    }
    filter.countIssued();
  }

  /** Called before {@code bytes} more reach the container: attach first if they may commit the response. */
  void beforeWrite(long bytes) {
    if (!attached) {
      long limit = getBufferSize();
      if (contentLength >= 0) {
        limit = Math.min(limit, contentLength);
      }
      if (written + bytes >= limit) {
        attach();
      }
    }
    written += bytes;
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    if (stream == null) {
      stream = new TokenOutputStream(super.getOutputStream(), this);
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    if (writer == null) {
      writer = new PrintWriter(new TokenWriter(super.getWriter(), this, MAX_BYTES_PER_CHAR), false);
    }
    return writer;
  }

  @Override
  public void flushBuffer() throws IOException {
    attach();
    super.flushBuffer();
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    attach();
    super.sendRedirect(location);
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
  public void reset() {
    super.reset(); // clears headers and cookies too: attach again later
    attached = false;
    written = 0;
    contentLength = -1;
  }

  @Override
  public void resetBuffer() {
    super.resetBuffer();
    written = 0;
  }
}

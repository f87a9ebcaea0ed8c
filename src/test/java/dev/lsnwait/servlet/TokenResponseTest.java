package dev.lsnwait.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.PositionUnavailableException;
import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.context.ThreadContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The moments a response may commit, on Servlet 6.1's API too, without a container. */
class TokenResponseTest {

  private static final LsnToken WRITTEN = LsnToken.of(7, Lsn.of(0x5000));
  private static final LsnToken LATER = LsnToken.of(7, Lsn.of(0x6000));
  private final HttpServletResponse container = mock(HttpServletResponse.class);
  private final HttpServletRequest request = mock(HttpServletRequest.class);
  private final LsnWaitFilter filter = LsnWaitFilter.builder().build();
  private TokenResponse response;

  @BeforeEach
  void setUp() {
    when(container.getBufferSize()).thenReturn(1000);
    when(container.getHeaders("Set-Cookie")).thenReturn(List.of());
    response = new TokenResponse(container, request, filter,
        new RequestTokens(LsnContext.snapshot()), LsnToken.EMPTY);
    LsnContext.set(WRITTEN);
  }

  @AfterEach
  void tearDown() {
    LsnContext.clear();
  }

  @Test
  void servlet61RedirectsTakeTheTokenFirst() throws IOException {
    response.sendRedirect("/next", 303, true);
    InOrder order = inOrder(container);
    order.verify(container).setHeader("LsnWait-Token", filter.codec().encode(WRITTEN));
    order.verify(container).sendRedirect("/next", 303, true);
  }

  @Test
  void aContentLengthSetAsAnIntHeaderIsWhereTheResponseCommits() throws IOException {
    ServletOutputStream body = mock(ServletOutputStream.class);
    when(container.getOutputStream()).thenReturn(body);
    response.setIntHeader("Content-Length", 10);
    response.getOutputStream().write(new byte[4]);
    verify(container, never()).setHeader(eq("LsnWait-Token"), anyString());
    response.getOutputStream().write(new byte[6]); // reaches the length: the container commits with these bytes
    InOrder order = inOrder(container, body);
    order.verify(container).setHeader("LsnWait-Token", filter.codec().encode(WRITTEN));
    order.verify(body).write(new byte[6], 0, 6);
  }

  @Test
  void aLaterCommitReplacesTheTokenAndItsCookieWhileTheResponseIsUncommitted() throws IOException {
    response.flushBuffer(); // attaches; the container has not committed (a mock never does)
    when(container.getHeaders("Set-Cookie")).thenReturn(
        List.of("lsnwait=" + filter.codec().encode(WRITTEN) + "; Max-Age=60", "session=abc; Path=/"));
    LsnContext.set(LATER);
    response.sendError(500);
    InOrder order = inOrder(container);
    order.verify(container).setHeader("LsnWait-Token", filter.codec().encode(LATER));
    order.verify(container).setHeader(eq("Set-Cookie"), org.mockito.ArgumentMatchers.startsWith(
        "lsnwait=" + filter.codec().encode(LATER)));
    order.verify(container).addHeader("Set-Cookie", "session=abc; Path=/");
    order.verify(container).sendError(500);
  }

  /** A primary whose commit position cannot be read the first {@code failures} times. */
  private static CommitPositionSource primaryFailing(int failures) throws SQLException {
    CommitPositionSource primary = mock(CommitPositionSource.class);
    when(primary.systemIdentifier()).thenReturn(7L);
    AtomicInteger calls = new AtomicInteger();
    when(primary.covering(anyLong(), anyLong())).thenAnswer(call -> {
      if (calls.incrementAndGet() <= failures) {
        throw new PositionUnavailableException("lsnwait: could not read the WAL position of primary:5432: FATAL: "
            + "database \"app\" is not currently accepting connections; the statement did not run", null);
      }
      return Lsn.of(0x5000);
    });
    return primary;
  }

  @Test
  void aCommitWhosePositionCannotBeReadAtFirstStillGetsItsTokenAfterARetry() throws Exception {
    LsnContext.clear();
    ThreadContext.recordCommit(primaryFailing(1)); // a blip: the position connection was being replaced
    response.flushBuffer();
    verify(container).setHeader("LsnWait-Token", filter.codec().encode(WRITTEN));
    assertEquals(0, filter.codec().unsent());
  }

  @Test
  void aTokenThatCannotBeSentIsLoggedAsAWarningNamingTheRequestAndCountedOnce() throws Exception {
    when(request.getMethod()).thenReturn("POST");
    when(request.getRequestURI()).thenReturn("/notes");
    LsnContext.clear();
    ThreadContext.recordCommit(primaryFailing(Integer.MAX_VALUE));
    List<LogRecord> warnings = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        warnings.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger("dev.lsnwait.servlet");
    logger.addHandler(handler);
    try {
      response.flushBuffer();
      response.sendError(500); // the response commits: one more try, no second warning
    } finally {
      logger.removeHandler(handler);
    }
    verify(container, never()).setHeader(eq("LsnWait-Token"), anyString());
    assertEquals(1, warnings.size(), warnings.toString());
    assertEquals(Level.WARNING, warnings.get(0).getLevel());
    String message = new SimpleFormatter().formatMessage(warnings.get(0));
    assertTrue(message.contains("POST /notes") && message.contains("not currently accepting connections"), message);
    assertEquals(1, filter.codec().unsent());
  }
}

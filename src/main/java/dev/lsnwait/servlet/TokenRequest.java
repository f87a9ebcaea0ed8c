package dev.lsnwait.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/** The request of a filtered request: its async context carries the token to the threads that finish it. */
final class TokenRequest extends HttpServletRequestWrapper {

  private final TokenResponse response;
  private TokenAsyncContext async;

  TokenRequest(HttpServletRequest request, TokenResponse response) {
    super(request);
    this.response = response;
  }

  @Override
  public AsyncContext startAsync() {
    async = new TokenAsyncContext(super.startAsync(this, response), response);
    return async;
  }

  @Override
  public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
    async = new TokenAsyncContext(super.startAsync(request, response), this.response);
    return async;
  }

  @Override
  public AsyncContext getAsyncContext() {
    return async != null ? async : super.getAsyncContext();
  }
}

package dev.lsnwait.servlet;

import dev.lsnwait.LsnContext;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * An async context whose {@link #start} runs the task with the request's requirements and adds what the task did to
 * them, and whose {@link #complete} attaches the request's token (with the completing thread's) to the response.
 */
final class TokenAsyncContext implements AsyncContext {

  private final AsyncContext delegate;
  private final TokenResponse response;

  TokenAsyncContext(AsyncContext delegate, TokenResponse response) {
    this.delegate = delegate;
    this.response = response;
  }

  @Override
  public void start(Runnable task) {
    RequestTokens tokens = response.tokens();
    tokens.add(LsnContext.snapshot()); // what the starting thread did so far belongs to the request
    delegate.start(() -> {
      try (LsnContext.Scope scope = LsnContext.open(tokens.state())) {
        try {
          task.run();
        } finally {
          tokens.add(LsnContext.snapshot());
        }
      }
    });
  }

  @Override
  public void complete() {
    response.finish();
    delegate.complete();
  }

  @Override
  public ServletRequest getRequest() {
    return delegate.getRequest();
  }

  @Override
  public ServletResponse getResponse() {
    return delegate.getResponse();
  }

  @Override
  public boolean hasOriginalRequestAndResponse() {
    return delegate.hasOriginalRequestAndResponse();
  }

  @Override
  public void dispatch() {
    delegate.dispatch();
  }

  @Override
  public void dispatch(String path) {
    delegate.dispatch(path);
  }

  @Override
  public void dispatch(ServletContext context, String path) {
    delegate.dispatch(context, path);
  }

  @Override
  public void addListener(AsyncListener listener) {
    delegate.addListener(listener);
  }

  @Override
  public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
    delegate.addListener(listener, request, response);
  }

  @Override
  public <T extends AsyncListener> T createListener(Class<T> type) throws ServletException {
    return delegate.createListener(type);
  }

  @Override
  public void setTimeout(long timeout) {
    delegate.setTimeout(timeout);
  }

  @Override
  public long getTimeout() {
    return delegate.getTimeout();
  }
}

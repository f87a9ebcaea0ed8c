package dev.lsnwait.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;

/** The response body stream: tells the response before bytes go out, so the token is attached before commit. */
final class TokenOutputStream extends ServletOutputStream {

  private final ServletOutputStream delegate;
  private final TokenResponse response;

  TokenOutputStream(ServletOutputStream delegate, TokenResponse response) {
    this.delegate = delegate;
    this.response = response;
  }

  @Override
  public void write(int b) throws IOException {
    response.beforeWrite(1);
    delegate.write(b);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    response.beforeWrite(length);
    delegate.write(bytes, offset, length);
  }

  @Override
  public void flush() throws IOException {
    response.attach();
    delegate.flush();
  }

  @Override
  public void close() throws IOException {
    response.attach();
    delegate.close();
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public void setWriteListener(WriteListener listener) {
    delegate.setWriteListener(listener);
  }
}

package dev.lsnwait.servlet;

import java.io.IOException;
import java.io.Writer;

/** The response body writer: tells the response before chars go out, so the token is attached before commit. */
final class TokenWriter extends Writer {

  private final Writer delegate;
  private final TokenResponse response;
  private final int maxBytesPerChar;

  TokenWriter(Writer delegate, TokenResponse response, int maxBytesPerChar) {
    this.delegate = delegate;
    this.response = response;
    this.maxBytesPerChar = maxBytesPerChar;
  }

  @Override
  public void write(int c) throws IOException {
    response.beforeWrite(maxBytesPerChar);
    delegate.write(c);
  }

  @Override
  public void write(char[] chars, int offset, int length) throws IOException {
    response.beforeWrite((long) length * maxBytesPerChar);
    delegate.write(chars, offset, length);
  }

  @Override
  public void write(String text, int offset, int length) throws IOException {
    response.beforeWrite((long) length * maxBytesPerChar);
    delegate.write(text, offset, length);
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
}

package dev.lsnwait;

/** A token text that {@link TokenCodec#decode(String)} refuses, with the reason. */
public final class MalformedTokenException extends Exception {

  private static final long serialVersionUID = 1L;

  private final TokenCodec.Rejection reason;

  MalformedTokenException(TokenCodec.Rejection reason, String message) {
    super(message, null, false, false); // cheap: bad input is expected, its stack trace is not useful
    this.reason = reason;
  }

  public TokenCodec.Rejection reason() {
    return reason;
  }
}

package dev.lsnwait.http;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.TokenCodec;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.util.Objects;

/**
 * Carries the token on calls to other services with {@link HttpClient}: the current token goes out in a request
 * header, and a token in the response (the other service wrote) is merged into the current context.
 *
 * <pre>{@code
 * HttpClientPropagation tokens = new HttpClientPropagation(codec);
 * HttpResponse<String> response =
 *     tokens.send(client, HttpRequest.newBuilder(uri).POST(body), HttpResponse.BodyHandlers.ofString());
 * }</pre>
 */
public final class HttpClientPropagation {

  private final TokenCodec codec;
  private final String headerName;

  public HttpClientPropagation(TokenCodec codec) {
    this(codec, TokenCodec.DEFAULT_HEADER);
  }

  public HttpClientPropagation(TokenCodec codec, String headerName) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.headerName = Objects.requireNonNull(headerName, "headerName");
  }

  /**
   * Adds the current token to the request, if there is one.
   *
   * @throws SQLException if a commit's position cannot be read from its primary
   */
  public HttpRequest.Builder addToken(HttpRequest.Builder request) throws SQLException {
    LsnToken token = LsnContext.current();
    if (!token.isEmpty()) {
      request.setHeader(headerName, codec.encode(token));
    }
    return request;
  }

  /** Merges the response's token, if any, into the current context; a refused one is counted and ignored. */
  public <T> HttpResponse<T> mergeToken(HttpResponse<T> response) {
    response.headers().firstValue(headerName).ifPresent(text -> LsnContext.merge(codec.decodeOrEmpty(text)));
    return response;
  }

  /** {@link #addToken}, send, {@link #mergeToken}. */
  public <T> HttpResponse<T> send(
      HttpClient client, HttpRequest.Builder request, HttpResponse.BodyHandler<T> body)
      throws IOException, InterruptedException, SQLException {
    return mergeToken(client.send(addToken(request).build(), body));
  }
}

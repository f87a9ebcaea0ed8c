package dev.lsnwait.spring;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.TokenCodec;
import java.io.IOException;
import java.sql.SQLException;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Carries the thread's token on calls of {@code RestClient} and {@code RestTemplate}, and takes the token a response
 * brings (a service that wrote for us): the {@code java.net.http} counterpart is {@code HttpClientPropagation}.
 */
public final class LsnWaitClientInterceptor implements ClientHttpRequestInterceptor {

  private final TokenCodec codec;
  private final String headerName;

  public LsnWaitClientInterceptor(TokenCodec codec, String headerName) {
    this.codec = codec;
    this.headerName = headerName;
  }

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
      throws IOException {
    if (request.getHeaders().getFirst(headerName) == null) {
      String token = currentToken(codec);
      if (token != null) {
        request.getHeaders().set(headerName, token);
      }
    }
    ClientHttpResponse response = execution.execute(request, body);
    String returned = response.getHeaders().getFirst(headerName);
    if (returned != null) {
      LsnContext.merge(codec.decodeOrEmpty(returned));
    }
    return response;
  }

  /** The thread's token encoded, or null if it has none; a commit's position that cannot be read fails the call. */
  static String currentToken(TokenCodec codec) throws IOException {
    LsnToken token;
    try {
      token = LsnContext.current();
    } catch (SQLException e) {
      throw new IOException("lsnwait: cannot read the WAL position of this thread's commit for the outgoing call: "
          + e.getMessage(), e);
    }
    return token.isEmpty() ? null : codec.encode(token);
  }
}

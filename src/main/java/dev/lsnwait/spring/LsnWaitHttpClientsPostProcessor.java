package dev.lsnwait.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Adds lsnwait's token to the HTTP clients an application builds from Spring's beans: every {@code RestTemplate}
 * bean, every {@code RestClient.Builder} and {@code WebClient.Builder} Spring Boot hands out. Only the types on the
 * class path are touched ({@link #forServlet} and {@link #forReactive} are separate for that reason).
 */
public final class LsnWaitHttpClientsPostProcessor {

  private LsnWaitHttpClientsPostProcessor() {}

  /** For {@code RestTemplate} and {@code RestClient.Builder} (spring-web). */
  static BeanPostProcessor forServlet(Supplier<LsnWaitClientInterceptor> interceptor) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        if (bean instanceof RestTemplate template
            && template.getInterceptors().stream().noneMatch(LsnWaitClientInterceptor.class::isInstance)) {
          template.getInterceptors().add(interceptor.get());
        } else if (bean instanceof RestClient.Builder builder) {
          builder.requestInterceptors(list -> {
            if (list.stream().noneMatch(LsnWaitClientInterceptor.class::isInstance)) {
              list.add(interceptor.get());
            }
          });
        }
        return bean;
      }
    };
  }

  /** For {@code WebClient.Builder} (spring-webflux): the token of the thread that builds the request. */
  static BeanPostProcessor forReactive(Supplier<dev.lsnwait.TokenCodec> codec, Supplier<String> headerName) {
    ExchangeFilterFunction addToken = (request, next) -> {
      if (request.headers().getFirst(headerName.get()) != null) {
        return next.exchange(request);
      }
      String token;
      try {
        token = LsnWaitClientInterceptor.currentToken(codec.get());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return next.exchange(token == null ? request
          : ClientRequest.from(request).header(headerName.get(), token).build());
    };
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        if (bean instanceof WebClient.Builder builder) {
          builder.filter(addToken);
        }
        return bean;
      }
    };
  }
}

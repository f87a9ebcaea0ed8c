package dev.lsnwait.spring;

import dev.lsnwait.LsnContext;
import dev.lsnwait.TokenCodec;
import dev.lsnwait.micrometer.LsnWaitMetrics;
import dev.lsnwait.micrometer.LsnWaitObservations;
import dev.lsnwait.servlet.CookieSettings;
import dev.lsnwait.servlet.LsnWaitFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import jakarta.servlet.DispatcherType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;

/**
 * lsnwait in a Spring Boot application, with the dependency and a {@code jdbc:lsnwait:} URL only: the servlet filter
 * (tokens across requests), tokens on outgoing {@code RestClient}, {@code RestTemplate} and {@code WebClient}
 * calls, in {@code @Async} tasks ({@code TaskDecorator}) and through context-propagation, and Micrometer meters and
 * observations. Every bean backs off when the application defines its own; every part has an
 * {@code lsnwait.*.enabled} switch.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration", // Spring Boot 3
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration", // Spring Boot 4
    "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration"})
@EnableConfigurationProperties(LsnWaitProperties.class)
public class LsnWaitAutoConfiguration {

  /** Signs and reads tokens: {@code lsnwait.web.keys}, unsigned without. */
  @Bean
  @ConditionalOnMissingBean
  public TokenCodec lsnWaitTokenCodec(LsnWaitProperties properties) {
    return TokenCodec.fromKeys(properties.getWeb().getKeys());
  }

  /** The filter, first in the chain, for every dispatch of a request. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({jakarta.servlet.Filter.class, FilterRegistrationBean.class})
  @ConditionalOnProperty(prefix = "lsnwait.web", name = "enabled", matchIfMissing = true)
  static class Web {
    @Bean
    @ConditionalOnMissingBean(name = "lsnWaitFilter")
    FilterRegistrationBean<LsnWaitFilter> lsnWaitFilter(LsnWaitProperties properties, TokenCodec codec) {
      LsnWaitProperties.Web web = properties.getWeb();
      LsnWaitProperties.Cookie cookie = web.getCookie();
      LsnWaitFilter filter = LsnWaitFilter.builder()
          .codec(codec)
          .headerName(web.getHeaderName())
          .cookie(new CookieSettings(cookie.isEnabled() ? cookie.getName() : null, cookie.getPath(),
              cookie.getMaxAge(), cookie.isHttpOnly(), cookie.getSecure(), cookie.getSameSite()))
          .trustUnsignedTokens(web.isTrustUnsignedTokens())
          .build();
      FilterRegistrationBean<LsnWaitFilter> registration = new FilterRegistrationBean<>(filter);
      registration.setName("lsnWaitFilter");
      registration.setOrder(web.getOrder());
      registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.INCLUDE,
          DispatcherType.ASYNC, DispatcherType.ERROR);
      registration.setAsyncSupported(true);
      return registration;
    }
  }

  /** The token on outgoing calls of Spring's HTTP clients. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "lsnwait.propagation", name = "enabled", matchIfMissing = true)
  static class Propagation {
    @Bean
    @ConditionalOnClass(name = "org.springframework.web.client.RestClient")
    static BeanPostProcessor lsnWaitRestClients(ObjectProvider<TokenCodec> codec,
        ObjectProvider<LsnWaitProperties> properties) {
      return LsnWaitHttpClientsPostProcessor.forServlet(() -> new LsnWaitClientInterceptor(codec.getObject(),
          properties.getObject().getWeb().getHeaderName()));
    }

    @Bean
    @ConditionalOnClass(name = "org.springframework.web.reactive.function.client.WebClient")
    static BeanPostProcessor lsnWaitWebClients(ObjectProvider<TokenCodec> codec,
        ObjectProvider<LsnWaitProperties> properties) {
      return LsnWaitHttpClientsPostProcessor.forReactive(codec::getObject,
          () -> properties.getObject().getWeb().getHeaderName());
    }
  }

  /** {@code @Async} methods and Spring's executors run their tasks with the submitting thread's token. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "lsnwait.async", name = "enabled", matchIfMissing = true)
  static class Async {
    @Bean
    @ConditionalOnMissingBean(TaskDecorator.class)
    TaskDecorator lsnWaitTaskDecorator() {
      return LsnContext::wrap;
    }
  }

  /** The trackers on Actuator's health endpoint (Spring Boot 4's health API). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class Health {
    @Bean
    @ConditionalOnMissingBean(name = "lsnWaitHealthIndicator")
    LsnWaitHealthIndicator lsnWaitHealthIndicator() {
      return new LsnWaitHealthIndicator();
    }
  }

  /** The trackers on Actuator's health endpoint (Spring Boot 3's health API: an indicator the build generated). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  @org.springframework.context.annotation.Import(SpringBoot3HealthRegistrar.class)
  static class SpringBoot3Health {
  }

  /** Meters and observations. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnProperty(prefix = "lsnwait.metrics", name = "enabled", matchIfMissing = true)
  static class Metrics {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LsnWaitMetrics lsnWaitMetrics(TokenCodec codec) {
      return new LsnWaitMetrics(codec);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(ObservationRegistry.class)
    LsnWaitObservations lsnWaitObservations(ObservationRegistry observations) {
      return LsnWaitObservations.register(observations);
    }
  }
}

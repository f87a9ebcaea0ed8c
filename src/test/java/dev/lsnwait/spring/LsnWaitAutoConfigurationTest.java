package dev.lsnwait.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.TokenCodec;
import dev.lsnwait.micrometer.LsnWaitMetrics;
import dev.lsnwait.micrometer.LsnWaitObservations;
import dev.lsnwait.servlet.LsnWaitFilter;
import io.micrometer.observation.ObservationRegistry;
import jakarta.servlet.DispatcherType;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.task.TaskDecorator;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

class LsnWaitAutoConfigurationTest {

  private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(LsnWaitAutoConfiguration.class));
  private final ApplicationContextRunner plain =
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LsnWaitAutoConfiguration.class));

  @Test
  @SuppressWarnings("unchecked")
  void aServletAppGetsTheFilterFirstForEveryDispatch() {
    web.run(context -> {
      FilterRegistrationBean<LsnWaitFilter> registration =
          context.getBean("lsnWaitFilter", FilterRegistrationBean.class);
      assertThat(registration.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE + 10).isLessThan(-100);
      assertThat(registration.getFilter().codec().isSigned()).isFalse();
      assertThat(registration.getFilter().cookie().name()).isEqualTo("lsnwait");
      assertThat(registration.isAsyncSupported()).isTrue();
      assertThat(registration.determineDispatcherTypes()).containsExactlyInAnyOrder(DispatcherType.values());
    });
  }

  @Test
  @SuppressWarnings("unchecked")
  void propertiesConfigureTheFilter() {
    web.withPropertyValues("lsnwait.web.keys=k1=" + KEY, "lsnwait.web.header-name=X-Token",
            "lsnwait.web.cookie.enabled=false", "lsnwait.web.order=5")
        .run(context -> {
          FilterRegistrationBean<LsnWaitFilter> registration =
              context.getBean("lsnWaitFilter", FilterRegistrationBean.class);
          assertThat(registration.getFilter().codec().isSigned()).isTrue();
          assertThat(registration.getFilter().headerName()).isEqualTo("X-Token");
          assertThat(registration.getFilter().cookie().name()).isNull();
          assertThat(registration.getOrder()).isEqualTo(5);
        });
  }

  @Test
  void theFilterCanBeSwitchedOffAndIsNotMadeOutsideServletApps() {
    web.withPropertyValues("lsnwait.web.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("lsnWaitFilter"));
    plain.run(context -> assertThat(context).doesNotHaveBean("lsnWaitFilter").hasSingleBean(TokenCodec.class));
  }

  @Test
  void anApplicationsOwnBeansWin() {
    TokenCodec mine = TokenCodec.unsigned();
    TaskDecorator decorator = task -> task;
    web.withBean(TokenCodec.class, () -> mine).withBean(TaskDecorator.class, () -> decorator)
        .run(context -> {
          assertThat(context.getBean(TokenCodec.class)).isSameAs(mine);
          assertThat(context.getBean(TaskDecorator.class)).isSameAs(decorator);
        });
  }

  @Test
  void asyncTasksCarryTheToken() {
    plain.run(context -> {
      TaskDecorator decorator = context.getBean(TaskDecorator.class);
      LsnToken token = LsnToken.of(7, dev.lsnwait.Lsn.of(42));
      AtomicReference<LsnToken> seen = new AtomicReference<>();
      Runnable task;
      try (LsnContext.Scope ignored = LsnContext.open(token)) {
        task = decorator.decorate(() -> {
          try {
            seen.set(LsnContext.current());
          } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
          }
        });
      }
      Thread thread = new Thread(task);
      thread.start();
      thread.join();
      assertThat(seen.get()).isEqualTo(token);
    });
    plain.withPropertyValues("lsnwait.async.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(TaskDecorator.class));
  }

  @Configuration(proxyBeanMethods = false)
  static class Clients {
    @Bean
    RestTemplate restTemplate() {
      return new RestTemplate();
    }

    @Bean
    RestClient.Builder restClientBuilder() {
      return RestClient.builder();
    }
  }

  @Test
  void springsHttpClientsCarryTheToken() {
    plain.withUserConfiguration(Clients.class).run(context -> {
      assertThat(context.getBean(RestTemplate.class).getInterceptors())
          .hasAtLeastOneElementOfType(LsnWaitClientInterceptor.class);
      List<ClientHttpRequestInterceptor> interceptors = new ArrayList<>();
      context.getBean(RestClient.Builder.class).requestInterceptors(interceptors::addAll);
      assertThat(interceptors).hasAtLeastOneElementOfType(LsnWaitClientInterceptor.class);
    });
    plain.withUserConfiguration(Clients.class).withPropertyValues("lsnwait.propagation.enabled=false")
        .run(context -> assertThat(context.getBean(RestTemplate.class).getInterceptors()).isEmpty());
  }

  @Test
  void metersAndObservationsWhenMicrometerIsThere() {
    plain.run(context -> assertThat(context).hasSingleBean(LsnWaitMetrics.class)
        .doesNotHaveBean(LsnWaitObservations.class));
    plain.withBean(ObservationRegistry.class, ObservationRegistry::create)
        .run(context -> assertThat(context).hasSingleBean(LsnWaitObservations.class));
    plain.withPropertyValues("lsnwait.metrics.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(LsnWaitMetrics.class));
  }

  @Test
  void theHealthOfTheTrackersIsThereOnEitherSpringBoot() {
    boolean boot4Health = org.springframework.util.ClassUtils.isPresent(
        "org.springframework.boot.health.contributor.HealthIndicator", getClass().getClassLoader());
    plain.run(context -> {
      Object indicator = context.getBean("lsnWaitHealthIndicator");
      if (boot4Health) {
        assertThat(indicator).isInstanceOf(LsnWaitHealthIndicator.class);
        assertThat(((LsnWaitHealthIndicator) indicator).health().getStatus().getCode()).isEqualTo("UP");
      } else { // Spring Boot 3: the indicator the build generated for its health API
        assertThat(indicator.getClass().getName()).isEqualTo("dev.lsnwait.spring.LsnWaitSpringBoot3HealthIndicator");
        assertThat(indicator.getClass().getInterfaces()[0].getName())
            .isEqualTo("org.springframework.boot.actuate.health.HealthIndicator");
      }
    });
  }

  @Test
  void anApplicationWithoutSpringWebMicrometerOrServletsStillStarts() {
    plain.withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
            "org.springframework.web", "io.micrometer", "jakarta.servlet", "org.springframework.boot.health",
            "org.springframework.boot.actuate"))
        .run(context -> assertThat(context).hasNotFailed()
            .hasSingleBean(TokenCodec.class)
            .hasSingleBean(TaskDecorator.class)
            .doesNotHaveBean(LsnWaitMetrics.class)
            .doesNotHaveBean("lsnWaitRestClients")
            .doesNotHaveBean("lsnWaitWebClients")
            .doesNotHaveBean("lsnWaitHealthIndicator"));
  }
}

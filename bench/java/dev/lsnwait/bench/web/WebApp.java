package dev.lsnwait.bench.web;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;

/**
 * The web benchmark's application, as users write them: Spring Boot's defaults (embedded Tomcat, HikariCP, JPA on
 * Hibernate, Spring Data repositories, open session in view), no class of lsnwait. Where its reads go is
 * configuration only: the {@code spring.datasource.url} (lsnwait's one URL, or a plain one), or, with
 * {@code bench.web.replica-url}, Spring's own read-only routing ({@link LazyConnectionDataSourceProxy}).
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import({ItemService.class, ItemPages.class, WebApp.ReadOnlyRouting.class})
public class WebApp {

  /** Starts the application on a random port with these properties ({@code name=value}). */
  public static ConfigurableApplicationContext start(String... properties) {
    return new SpringApplicationBuilder(WebApp.class)
        .properties("server.port=0", "spring.main.banner-mode=off", "spring.datasource.username=postgres",
            "spring.jpa.open-in-view=true", "logging.level.root=WARN")
        .properties(properties)
        .run();
  }

  /** The port Tomcat listens on. */
  public static int port(ConfigurableApplicationContext app) {
    return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  /**
   * Spring's read/write splitting (Spring Framework 6.1+): a transaction marked read-only takes its connection
   * from the replica's pool, any other from the primary's. It knows nothing of lag: reads may be stale.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty("bench.web.replica-url")
  static class ReadOnlyRouting {

    @Bean(destroyMethod = "close")
    HikariDataSource primaryPool(Environment environment) {
      return pool(environment.getRequiredProperty("spring.datasource.url"), "primary");
    }

    @Bean(destroyMethod = "close")
    HikariDataSource replicaPool(Environment environment) {
      return pool(environment.getRequiredProperty("bench.web.replica-url"), "replica");
    }

    @Bean
    @Primary
    DataSource dataSource(@Qualifier("primaryPool") HikariDataSource primaryPool,
        @Qualifier("replicaPool") HikariDataSource replicaPool) {
      LazyConnectionDataSourceProxy routing = new LazyConnectionDataSourceProxy(primaryPool);
      routing.setReadOnlyDataSource(replicaPool);
      return routing;
    }

    private static HikariDataSource pool(String url, String name) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      config.setUsername("postgres");
      config.setPoolName(name);
      return new HikariDataSource(config); // Spring Boot's pool defaults: 10 connections
    }
  }
}

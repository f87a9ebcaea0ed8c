package dev.lsnwait.spring;

import dev.lsnwait.LsnWaitDriver;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Spring Boot derives a data source's driver class from its URL and knows no {@code jdbc:lsnwait:} prefix ("Failed
 * to determine a suitable driver class"; for Flyway's and Liquibase's own URLs, "Driver has not been set"). For each
 * of {@code spring.datasource.url}, {@code spring.flyway.url} and {@code spring.liquibase.url} that is a
 * {@code jdbc:lsnwait:} URL with no driver class set, this sets the matching {@code driver-class-name} to
 * {@link LsnWaitDriver}, as a default that any property the application sets overrides. Registered in
 * {@code META-INF/spring.factories} under the interface Spring Boot 3 reads and Spring Boot 4 still adapts.
 */
@SuppressWarnings({"deprecation", "removal"}) // the interface Spring Boot 3.5 and 4.x both load
public final class LsnWaitEnvironmentPostProcessor
    implements org.springframework.boot.env.EnvironmentPostProcessor, Ordered {

  static final String SOURCE = "lsnwait-driver-class";
  /** Each URL property, and the driver class property beside it. */
  private static final Map<String, String> DRIVERS = Map.of(
      "spring.datasource.url", "spring.datasource.driver-class-name",
      "spring.flyway.url", "spring.flyway.driver-class-name",
      "spring.liquibase.url", "spring.liquibase.driver-class-name");

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (environment.getPropertySources().contains(SOURCE)) {
      return;
    }
    Map<String, Object> defaults = new HashMap<>();
    DRIVERS.forEach((url, driver) -> {
      if (isLsnWaitUrl(environment.getProperty(url)) && !environment.containsProperty(driver)) {
        defaults.put(driver, LsnWaitDriver.class.getName());
      }
    });
    if (!defaults.isEmpty()) {
      environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
    }
  }

  private static boolean isLsnWaitUrl(String url) {
    String prefix = LsnWaitDriver.URL_PREFIX;
    return url != null && prefix.regionMatches(true, 0, url.trim(), 0, prefix.length());
  }

  /** After the application's own configuration is loaded. */
  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}

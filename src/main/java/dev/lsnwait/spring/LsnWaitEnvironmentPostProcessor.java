package dev.lsnwait.spring;

import dev.lsnwait.LsnWaitDriver;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Spring Boot derives a data source's driver class from its URL and knows no {@code jdbc:lsnwait:} prefix ("Failed
 * to determine a suitable driver class"). When {@code spring.datasource.url} is a {@code jdbc:lsnwait:} URL and no
 * driver class is set, this sets {@code spring.datasource.driver-class-name} to {@link LsnWaitDriver}, as a default
 * that any property the application sets overrides. Registered in {@code META-INF/spring.factories} under the
 * interface Spring Boot 3 reads and Spring Boot 4 still adapts.
 */
@SuppressWarnings({"deprecation", "removal"}) // the interface Spring Boot 3.5 and 4.x both load
public final class LsnWaitEnvironmentPostProcessor
    implements org.springframework.boot.env.EnvironmentPostProcessor, Ordered {

  static final String SOURCE = "lsnwait-driver-class";
  private static final String URL = "spring.datasource.url";
  private static final String DRIVER = "spring.datasource.driver-class-name";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    String url = environment.getProperty(URL);
    if (url != null && LsnWaitDriver.URL_PREFIX.regionMatches(true, 0, url.trim(), 0, LsnWaitDriver.URL_PREFIX.length())
        && !environment.containsProperty(DRIVER) && !environment.getPropertySources().contains(SOURCE)) {
      environment.getPropertySources().addLast(
          new MapPropertySource(SOURCE, Map.of(DRIVER, LsnWaitDriver.class.getName())));
    }
  }

  /** After the application's own configuration is loaded. */
  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}

package dev.lsnwait.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lsnwait.LsnWaitDriver;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class LsnWaitEnvironmentPostProcessorTest {

  private static StandardEnvironment environment(Map<String, Object> properties) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("application", properties));
    new LsnWaitEnvironmentPostProcessor().postProcessEnvironment(environment, null);
    return environment;
  }

  @Test
  void anLsnwaitUrlGetsTheDriverClassSpringBootCannotDerive() {
    StandardEnvironment environment =
        environment(Map.of("spring.datasource.url", "jdbc:lsnwait:postgresql://db/app"));
    assertEquals(LsnWaitDriver.class.getName(), environment.getProperty("spring.datasource.driver-class-name"));
  }

  @Test
  void aDriverClassTheApplicationSetsWins() {
    StandardEnvironment environment = environment(Map.of("spring.datasource.url", "jdbc:lsnwait:postgresql://db/app",
        "spring.datasource.driver-class-name", "com.example.Driver"));
    assertEquals("com.example.Driver", environment.getProperty("spring.datasource.driver-class-name"));
  }

  @Test
  void flywaysAndLiquibasesOwnLsnwaitUrlsGetTheDriverClassToo() {
    StandardEnvironment environment = environment(Map.of("spring.datasource.url", "jdbc:postgresql://db/app",
        "spring.flyway.url", "jdbc:lsnwait:postgresql://db/app",
        "spring.liquibase.url", "JDBC:LSNWAIT:postgresql://db/app",
        "spring.liquibase.driver-class-name", "com.example.Driver"));
    assertNull(environment.getProperty("spring.datasource.driver-class-name"));
    assertEquals(LsnWaitDriver.class.getName(), environment.getProperty("spring.flyway.driver-class-name"));
    assertEquals("com.example.Driver", environment.getProperty("spring.liquibase.driver-class-name"));
  }

  @Test
  void otherUrlsAreLeftAlone() {
    StandardEnvironment environment = environment(Map.of("spring.datasource.url", "jdbc:postgresql://db/app"));
    assertNull(environment.getProperty("spring.datasource.driver-class-name"));
  }
}

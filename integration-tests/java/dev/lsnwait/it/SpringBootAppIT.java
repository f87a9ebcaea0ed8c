package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.web.BootNotesApp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Spring Boot application, started twice (two ports) on one primary and a replica that replays 300 ms late,
 * with nothing but the dependency, a {@code jdbc:lsnwait:} URL and {@code lsnwait.web.keys}: a browser-like client
 * with a cookie jar posts on one instance and reads on the other, never stale and from the replica.
 */
class SpringBootAppIT {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static PgCluster cluster;
  private static ConfigurableApplicationContext first;
  private static ConfigurableApplicationContext second;

  @BeforeAll
  static void start() {
    cluster = BootNotesCluster.start(PATIENCE);
    String url = cluster.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + cluster.replica().port()
        + "&lsnwait.replicaWait=5s";
    first = app(url);
    second = app(url);
    BootNotesCluster.awaitReplicaPlacement(cluster, PATIENCE, () -> send(browser(), "GET", second, "/notes/1"));
  }

  private static ConfigurableApplicationContext app(String url) {
    return new SpringApplicationBuilder(BootNotesApp.class)
        .properties("server.port=0", "spring.main.banner-mode=off", "spring.datasource.url=" + url,
            "spring.datasource.username=postgres", "lsnwait.web.keys=" + BootNotesCluster.KEYS,
            "management.endpoint.health.show-details=always",
            // the test class path has Flyway and Liquibase for MigrationsIT; this application has no migrations
            "spring.flyway.enabled=false", "spring.liquibase.enabled=false")
        .run();
  }

  @AfterAll
  static void stop() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
    cluster.close();
  }

  private static int port(ConfigurableApplicationContext app) {
    return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  private static HttpClient browser() {
    return HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();
  }

  private static String send(HttpClient client, String method, ConfigurableApplicationContext app, String path)
      throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app) + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(PATIENCE).build();
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return response.body();
  }

  @Test
  void aPostOnOneInstanceIsSeenByTheNextGetOnTheOtherFromTheReplica() throws Exception {
    HttpClient browser = browser();
    for (int i = 0; i < 10; i++) {
      String id = send(browser, "POST", first, "/notes?text=hello");
      String read = send(browser, "GET", second, "/notes/" + id);
      assertTrue(read.contains("\"found\":true"), "stale read of note " + id + ": " + read);
      assertTrue(read.contains("\"replica\":true"), "served by the replica: " + read);
    }
    MeterRegistry meters = second.getBean(MeterRegistry.class);
    long waits = meters.find("lsnwait.wait").timers().stream().mapToLong(Timer::count).sum();
    assertTrue(waits > 0, "lsnwait.wait counts the reads that waited: " + waits);
  }

  @Test
  void theHealthEndpointShowsTheReplica() throws Exception {
    String id = send(browser(), "POST", first, "/notes?text=health");
    send(browser(), "GET", second, "/notes/" + id); // a replica connection: its tracker exists
    String health = send(browser(), "GET", second, "/actuator/health");
    assertTrue(health.contains("\"lsnWait\"") && health.contains("\"replicas\"")
        && health.contains("127.0.0.1:" + cluster.replica().port()), health);
  }

  @Test
  void withoutTheCookieTheSameReadIsStale() throws Exception {
    String id = send(browser(), "POST", first, "/notes?text=unseen");
    String read = send(browser(), "GET", second, "/notes/" + id);
    assertTrue(read.contains("\"found\":false"), "a client without the token reads the lagging replica: " + read);
  }

  @Test
  void anAsyncMethodCarriesTheToken() throws Exception {
    HttpClient browser = browser();
    String id = send(browser, "POST", first, "/notes?text=async");
    String read = send(browser, "GET", second, "/notes/" + id + "/async");
    assertTrue(read.contains("\"found\":true"), read);
  }

  @Test
  void aRestClientCallCarriesTheToken() throws Exception {
    String relayed = send(browser(), "POST", first, "/notes/relay?text=relay&port=" + port(second));
    assertTrue(relayed.contains("\"found\":true"), "the other instance saw the write it was told of: " + relayed);
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.web.BootNotesApp;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The meters as users scrape them: a real Spring Boot application with Actuator and the Prometheus registry on the
 * routing URL, a replica that replays 300 ms late. {@code /actuator/prometheus} has every meter of the README's
 * table with the tags the table gives, each wait once, and the series both of the README's queries need.
 */
class PrometheusMetersIT {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int READS = 4;
  private static PgCluster cluster;
  private static ConfigurableApplicationContext app;

  @BeforeAll
  static void start() {
    cluster = BootNotesCluster.start(PATIENCE);
    app = new SpringApplicationBuilder(BootNotesApp.class)
        .properties("server.port=0", "spring.main.banner-mode=off",
            "spring.datasource.url=" + cluster.routingUrl() + "&lsnwait.replicaWait=5s",
            "spring.datasource.username=postgres", "lsnwait.web.keys=" + BootNotesCluster.KEYS,
            "management.endpoints.web.exposure.include=health,metrics,prometheus",
            "spring.flyway.enabled=false", "spring.liquibase.enabled=false") // MigrationsIT's, not this app's
        .run();
    BootNotesCluster.awaitReplicaPlacement(cluster, PATIENCE,
        () -> send(HttpClient.newHttpClient(), "GET", "/notes/1"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    cluster.close();
  }

  private static String send(HttpClient client, String method, String path) throws Exception {
    int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(PATIENCE).build();
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return response.body();
  }

  @Test
  void theScrapeHasEveryMeterOfTheReadmeWithItsTagsAndEachWaitOnce() throws Exception {
    HttpClient browser = HttpClient.newBuilder()
        .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL)).build();
    for (int i = 0; i < READS; i++) { // each read follows its write: it waits for the replica, once
      String id = send(browser, "POST", "/notes?text=meters");
      String read = send(browser, "GET", "/notes/" + id);
      assertTrue(read.contains("\"found\":true") && read.contains("\"replica\":true"), read);
    }
    PrometheusText scrape = PrometheusText.parse(send(browser, "GET", "/actuator/prometheus"));
    String ours = scrape.linesOf("lsnwait_");

    for (ReadmeMeters.Meter meter : ReadmeMeters.read()) {
      for (Map.Entry<String, Set<String>> series : meter.series().entrySet()) {
        assertFalse(scrape.series(series.getKey()).isEmpty(), meter.name() + ": no " + series.getKey() + "\n" + ours);
        for (PrometheusText.Sample sample : scrape.series(series.getKey())) {
          assertEquals(series.getValue(), sample.labels().keySet(), "the README's tags of " + meter.name());
          meter.tags().forEach((tag, values) -> assertTrue(values.isEmpty()
              || values.contains(sample.labels().get(tag)), "a value the README does not list: " + sample));
        }
      }
    }

    // Each wait once: as many as the routing decisions that waited (the first read may find the replica caught up)
    double waits = scrape.sum("lsnwait_wait_seconds_count", labels -> true);
    assertTrue(waits > 0, ours);
    assertEquals(scrape.sum("lsnwait_routing_total", labels -> Set.of("after_wait", "replicas_behind")
        .contains(labels.get("reason"))), waits, "each wait once\n" + ours);
    assertEquals(waits, scrape.sum("lsnwait_wait_observation_seconds_count", labels -> true),
        "Actuator's timer of the observation, named apart: the same waits\n" + ours);
    assertEquals(waits, actuatorMetricsCount(send(browser, "GET", "/actuator/metrics/lsnwait.wait")));

    // p99 per replica: histogram_quantile(0.99, sum by (le, replica) (rate(lsnwait_wait_seconds_bucket[5m])))
    assertEquals(waits, scrape.sum("lsnwait_wait_seconds_bucket",
        labels -> labels.get("le").equals("+Inf") && labels.containsKey("replica")), ours);
    // share sent to the primary: sum(rate(lsnwait_routing_total{target="primary"}[5m])) / sum(rate(...))
    assertFalse(scrape.series("lsnwait_routing_total").stream()
        .filter(sample -> sample.labels().get("target").equals("primary")).toList().isEmpty(), ours);
  }

  /** The COUNT statistic of {@code /actuator/metrics/NAME}. */
  private static double actuatorMetricsCount(String json) {
    Matcher count = Pattern.compile("\"statistic\"\\s*:\\s*\"COUNT\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.E]+)")
        .matcher(json);
    assertTrue(count.find(), json);
    return Double.parseDouble(count.group(1));
  }
}

package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.TokenCodec;
import dev.lsnwait.TokenCodec.Rejection;
import dev.lsnwait.servlet.LsnWaitFilter;
import dev.lsnwait.web.NotesApp;
import dev.lsnwait.web.WebServer;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two real HTTP servers on one real primary + replica: a POST to the writer instance, then at once a GET to the
 * reader instance, with replay paused. Through the filter the GET waits and sees the write; without it, it does not.
 */
class AcrossRequestsIT extends ClusterTest {

  private static final byte[] KEY = "lsnwait-test-key-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OTHER_KEY = "not-the-key-of-this-app-012345678".getBytes(StandardCharsets.US_ASCII);

  private String table;
  private HikariDataSource replicaPool;
  private ReplicaTracker tracker;
  private LsnWaitFilter readerFilter;
  private WebServer writer;
  private WebServer reader;
  private WebServer unfilteredReader;
  private CookieManager cookies;
  private HttpClient browser;

  @BeforeEach
  void startServers() throws Exception {
    table = newTable();
    HikariDataSource primaryPool = pool(cluster.primary());
    replicaPool = pool(cluster.replica(), Map.of("lsnwait.timeout", "20s"));
    tracker = trackerOf(replicaPool);
    readerFilter = LsnWaitFilter.builder().codec(TokenCodec.builder().key("k1", KEY).build()).build();
    reader = closeLater(WebServer.start(NotesApp.reader(replicaPool, table), readerFilter));
    unfilteredReader = closeLater(WebServer.start(NotesApp.reader(replicaPool, table), null));
    LsnWaitFilter writerFilter = LsnWaitFilter.builder().codec(TokenCodec.builder().key("k1", KEY).build()).build();
    writer = closeLater(WebServer.start(NotesApp.writer(primaryPool, table, reader.base()), writerFilter));
    cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    browser =
        HttpClient.newBuilder()
            .cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  private static HttpRequest.Builder post(String url) {
    return HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
  }

  private static HttpRequest.Builder get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).GET();
  }

  private CompletableFuture<HttpResponse<String>> send(HttpRequest.Builder request) {
    return browser.sendAsync(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void postRedirectGetAcrossServersWaitsAndSeesTheWrite() throws Exception {
    cluster.pauseReplay();
    CompletableFuture<HttpResponse<String>> page = send(post(writer.base() + "/notes?id=1&then=redirect"));

    awaitWaiters(tracker, 1);
    assertFalse(page.isDone(), "the GET on the reader waits while replay is paused");
    cluster.resumeReplay();
    HttpResponse<String> response = page.get(30, TimeUnit.SECONDS);
    assertEquals(URI.create(reader.base() + "/notes/1"), response.uri(), "followed the redirect to the other server");
    assertEquals(200, response.statusCode());
    assertEquals("found", response.body());

    HttpCookie cookie =
        cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("lsnwait")).findFirst()
            .orElseThrow();
    assertTrue(cookie.isHttpOnly());
    assertTrue(cookie.getMaxAge() > 0 && cookie.getMaxAge() <= 60);
    assertEquals("/", cookie.getPath());
  }

  @Test
  void withoutTheFilterTheSameGetReadsStaleData() throws Exception {
    cluster.pauseReplay();
    assertEquals(201, send(post(writer.base() + "/notes?id=1")).get(30, TimeUnit.SECONDS).statusCode());
    HttpResponse<String> stale = send(get(unfilteredReader.base() + "/notes/1")).get(30, TimeUnit.SECONDS);
    assertEquals(404, stale.statusCode(), "the unfiltered reader misses the write");
  }

  @Test
  void headerAloneCarriesTheToken() throws Exception {
    HttpClient noCookies = HttpClient.newHttpClient();
    cluster.pauseReplay();
    HttpResponse<String> created =
        noCookies.send(post(writer.base() + "/notes?id=2").build(), HttpResponse.BodyHandlers.ofString());
    String token = created.headers().firstValue(TokenCodec.DEFAULT_HEADER).orElseThrow();
    assertTrue(token.startsWith("v1.") && token.contains(".k1."), token);

    CompletableFuture<HttpResponse<String>> page =
        noCookies.sendAsync(
            get(reader.base() + "/notes/2").header(TokenCodec.DEFAULT_HEADER, token).build(),
            HttpResponse.BodyHandlers.ofString());
    awaitWaiters(tracker, 1);
    assertFalse(page.isDone());
    cluster.resumeReplay();
    assertEquals("found", page.get(30, TimeUnit.SECONDS).body());
  }

  @Test
  void largeFlushedBodyStillCarriesTheToken() throws Exception {
    HttpResponse<byte[]> response =
        browser.send(post(writer.base() + "/notes?id=3&then=large").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(1 << 20, response.body().length);
    assertTrue(response.headers().firstValue(TokenCodec.DEFAULT_HEADER).isPresent(), response.headers().toString());
    String cookie = response.headers().allValues("set-cookie").stream()
        .filter(c -> c.startsWith("lsnwait=")).findFirst().orElseThrow();
    for (String attribute : new String[] {"Path=/", "Max-Age=60", "HttpOnly", "SameSite=Lax"}) {
      assertTrue(cookie.toLowerCase().contains(attribute.toLowerCase()), attribute + " in " + cookie);
    }
  }

  @Test
  void asyncServletsCarryTheTokenBothWays() throws Exception {
    cluster.pauseReplay();
    HttpResponse<String> created = send(post(writer.base() + "/notes?id=4&then=async")).get(30, TimeUnit.SECONDS);
    assertEquals("created 4", created.body());
    assertTrue(created.headers().firstValue(TokenCodec.DEFAULT_HEADER).isPresent(),
        "set when the async task completed");

    CompletableFuture<HttpResponse<String>> page = send(get(reader.base() + "/notes/4?async=1"));
    awaitWaiters(tracker, 1);
    assertFalse(page.isDone(), "the async task waits with the request's token");
    cluster.resumeReplay();
    assertEquals("found", page.get(30, TimeUnit.SECONDS).body());
  }

  /** Bad tokens a client can send; each must be dropped and counted, and make nothing wait. */
  enum BadToken {
    MALFORMED(Rejection.MALFORMED) {
      @Override
      String text(long cluster) {
        return "v1.not-a-token";
      }
    },
    TOO_LARGE(Rejection.TOO_LARGE) {
      @Override
      String text(long cluster) {
        return "v1." + "a".repeat(5_000);
      }
    },
    FORGED_FAR_FUTURE(Rejection.BAD_SIGNATURE) {
      @Override
      String text(long cluster) {
        return TokenCodec.builder().key("k1", OTHER_KEY).build().encode(farFuture(cluster));
      }
    },
    UNSIGNED_FAR_FUTURE(Rejection.UNSIGNED) {
      @Override
      String text(long cluster) {
        return TokenCodec.unsigned().encode(farFuture(cluster));
      }
    },
    UNKNOWN_KEY(Rejection.UNKNOWN_KEY) {
      @Override
      String text(long cluster) {
        return TokenCodec.builder().key("k9", KEY).build().encode(farFuture(cluster));
      }
    },
    OTHER_CLUSTER(Rejection.OTHER_CLUSTER) {
      @Override
      String text(long cluster) {
        return TokenCodec.builder().key("k1", KEY).build().encode(farFuture(cluster + 1));
      }
    };

    final Rejection expected;

    BadToken(Rejection expected) {
      this.expected = expected;
    }

    abstract String text(long cluster);

    static LsnToken farFuture(long cluster) {
      return LsnToken.of(cluster, Lsn.parse("FFFFFFFF/0"));
    }
  }

  @ParameterizedTest
  @EnumSource(BadToken.class)
  void badTokensAreDroppedCountedAndMakeNothingWait(BadToken bad) throws Exception {
    cluster.pauseReplay();
    long waitsBefore = tracker.stats().waits();
    long rejectedBefore = readerFilter.codec().rejections().get(bad.expected);
    HttpClient client = HttpClient.newHttpClient();
    for (String how : new String[] {"header", "cookie"}) {
      HttpRequest.Builder request = get(reader.base() + "/notes/77");
      String text = bad.text(cluster.systemIdentifier());
      request.header(how.equals("header") ? TokenCodec.DEFAULT_HEADER : "Cookie",
          how.equals("header") ? text : "lsnwait=" + text);
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(404, response.statusCode(), how + ": the request succeeds (the note does not exist)");
    }
    assertEquals(waitsBefore, tracker.stats().waits(), "nothing waited");
    assertEquals(rejectedBefore + 2, readerFilter.codec().rejections().get(bad.expected), "counted as " + bad.expected);
  }

  @Test
  void aRequestsTokenDoesNotLeakIntoTheNextRequestOnTheSameThreads() throws Exception {
    HikariDataSource impatient = pool(cluster.replica(), Map.of("lsnwait.timeout", "200ms"));
    LsnWaitFilter filter = LsnWaitFilter.builder().codec(TokenCodec.builder().key("k1", KEY).build()).build();
    WebServer server = closeLater(WebServer.start(NotesApp.reader(impatient, table), filter));
    cluster.pauseReplay();
    String genuineFarFuture =
        TokenCodec.builder().key("k1", KEY).build().encode(BadToken.farFuture(cluster.systemIdentifier()));
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> timedOut =
        client.send(
            get(server.base() + "/notes/5").header(TokenCodec.DEFAULT_HEADER, genuineFarFuture).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(503, timedOut.statusCode(), "a genuine token the replica cannot reach times out");
    long waits = tracker.stats().waits();
    for (int i = 0; i < 20; i++) { // more requests than the server has threads
      assertEquals(404,
          client.send(get(server.base() + "/notes/5").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }
    assertEquals(waits, tracker.stats().waits(), "later requests carry nothing of the first");
  }
}

package dev.lsnwait.bench;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * One user of the web benchmark's application, as a browser: its own HTTP client and cookie jar (the application's
 * {@code user} cookie, and whatever the application sets, lsnwait's token among them), one request at a time. Its
 * client's threads end when it is no longer used (JDK 17 has no {@code HttpClient.close}).
 */
final class Browser {

  /** How a post/redirect/get went: the page's time, and whether it showed the item just created. */
  enum Page { FRESH, STALE, FAILED }

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final String user;
  private final HttpClient client;
  private long posted;
  private long postNanos;
  private long pageNanos;
  private String failure;

  Browser(int port, String user) {
    this.base = URI.create("http://127.0.0.1:" + port);
    this.user = user;
    CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    HttpCookie session = new HttpCookie("user", user);
    session.setPath("/");
    session.setVersion(0);
    jar.getCookieStore().add(base, session);
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .cookieHandler(jar)
        .followRedirects(HttpClient.Redirect.NEVER) // followed below, to time the page alone
        .connectTimeout(TIMEOUT)
        .build();
  }

  /**
   * Posts a new item, follows the 303 to its page, and checks the page: it shows the item, and the item among the
   * user's latest. The times are {@link #postNanos()} and {@link #pageNanos()}.
   */
  Page postRedirectGet() throws IOException, InterruptedException {
    pageNanos = 0;
    String title = user + " note " + ++posted;
    long posting = System.nanoTime();
    HttpResponse<String> created = client.send(HttpRequest.newBuilder(base.resolve("/items"))
        .timeout(TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("title=" + title.replace(' ', '+')))
        .build(), HttpResponse.BodyHandlers.ofString());
    postNanos = System.nanoTime() - posting;
    String location = created.headers().firstValue("Location").orElse(null);
    if (created.statusCode() != 303 || location == null) {
      return failed("POST answered " + created.statusCode() + ": " + created.body());
    }
    String id = location.substring(location.lastIndexOf('/') + 1);
    long start = System.nanoTime();
    HttpResponse<String> page = client.send(HttpRequest.newBuilder(base.resolve(location)).timeout(TIMEOUT).build(),
        HttpResponse.BodyHandlers.ofString());
    pageNanos = System.nanoTime() - start;
    if (page.statusCode() != 200 && page.statusCode() != 404) {
      return failed("GET " + location + " answered " + page.statusCode() + ": " + page.body());
    }
    String mark = "data-id=\"" + id + "\"";
    int first = page.body().indexOf(mark);
    boolean shown = first >= 0 && page.body().indexOf(mark, first + 1) > 0; // the heading and the list
    return page.statusCode() == 200 && shown ? Page.FRESH : Page.STALE;
  }

  private Page failed(String why) {
    failure = why;
    return Page.FAILED;
  }

  /** How long the last POST took, until its redirect. */
  long postNanos() {
    return postNanos;
  }

  /** How long the last page took, from its request to the whole body. */
  long pageNanos() {
    return pageNanos;
  }

  /** What went wrong last, if anything did. */
  String failure() {
    return failure;
  }
}

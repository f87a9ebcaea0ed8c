package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.Lsn;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.TokenCodec;
import dev.lsnwait.servlet.LsnWaitFilter;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.web.EdgesApp;
import dev.lsnwait.web.WebServer;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The filter at the edges of the servlet model, against a real Jetty: commits after much of the body, forwarded
 * dispatches, filters that commit before lsnwait's, a Content-Length set as a header, and unsigned tokens from the
 * request (the default: no keys), also while the primary's position cannot be read.
 */
class FilterEdgesIT extends ClusterTest {

  private String table;
  private ReplicaTracker tracker;
  private LsnWaitFilter filter;
  private WebServer app;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void startApp() throws Exception {
    table = newTable();
    HikariDataSource primary = pool(cluster.primary());
    HikariDataSource replica = pool(cluster.replica(), Map.of("lsnwait.timeout", "20s"));
    tracker = trackerOf(replica);
    insert(primary, table, 0); // lsnwait knows the primary: unsigned tokens can be checked against it
    filter = LsnWaitFilter.builder().build();
    app = closeLater(WebServer.builder()
        .servlet("/write/*", EdgesApp.writer(primary, table))
        .servlet("/read/*", EdgesApp.reader(replica, table))
        .filter(EdgesApp.audit(primary, table), EnumSet.of(DispatcherType.REQUEST))
        .filter(filter, EnumSet.allOf(DispatcherType.class))
        .start());
    cluster.awaitReplicaCaughtUp(PATIENCE);
    dev.lsnwait.LsnContext.clear();
  }

  private HttpResponse<String> send(String method, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.base() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60));
    if (token != null) {
      request.header(TokenCodec.DEFAULT_HEADER, token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> async(String method, String path) {
    return async(method, path, null);
  }

  private CompletableFuture<HttpResponse<String>> async(String method, String path, String token) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return send(method, path, token);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** With replay paused: the request's read waits; then replay resumes and the response comes. */
  private HttpResponse<String> readWhileTheReplicaWaits(CompletableFuture<HttpResponse<String>> request)
      throws Exception {
    awaitWaiters(tracker, 1);
    assertFalse(request.isDone(), "the read waits while replay is paused");
    cluster.resumeReplay();
    return request.get(30, TimeUnit.SECONDS);
  }

  /** With replay paused, a read of {@code id} bringing {@code token} waits, then sees the row once replay resumes. */
  private void readWaitsThenFinds(int id, String token) throws Exception {
    assertEquals("found", readWhileTheReplicaWaits(async("GET", "/read/" + id, token)).body());
  }

  private static String token(HttpResponse<String> response) {
    return response.headers().firstValue(TokenCodec.DEFAULT_HEADER)
        .orElseThrow(() -> new AssertionError("no token in " + response.headers().map()));
  }

  @Test
  void aCommitAfterMuchOfTheBodyIsInTheResponsesToken() throws Exception {
    cluster.pauseReplay();
    HttpResponse<String> written = send("POST", "/write/after-body?id=1", null);
    assertEquals(12_004, written.body().length());
    readWaitsThenFinds(1, token(written));
  }

  @Test
  void aForwardedDispatchWaitsForTheWriteMadeBeforeTheForward() throws Exception {
    cluster.pauseReplay();
    HttpResponse<String> response = readWhileTheReplicaWaits(async("POST", "/write/then-forward?id=2"));
    assertEquals("found", response.body());
    token(response);
  }

  @Test
  void aCommitOfAFilterBeforeLsnwaitsIsSeenByTheRequestAndInItsToken() throws Exception {
    cluster.pauseReplay();
    // The servlet only reads; the audit filter, which runs before lsnwait's, wrote the row it reads.
    HttpResponse<String> read = readWhileTheReplicaWaits(async("GET", "/read/3?audit=3"));
    assertEquals("found", read.body());
    token(read);
  }

  @Test
  void aContentLengthSetAsAHeaderStillLetsTheTokenIn() throws Exception {
    cluster.pauseReplay();
    HttpResponse<String> written = send("POST", "/write/content-length?id=4", null);
    assertEquals("0123456789", written.body());
    readWaitsThenFinds(4, token(written));
  }

  @Test
  void anUnsignedTokenFromTheFutureIsCappedAtThePrimarysPosition() throws Exception {
    long timeoutsBefore = tracker.stats().timeouts();
    String forged = "v1." + Long.toHexString(cluster.systemIdentifier()) + "-ffffffffffffffff";
    long start = System.nanoTime();
    HttpResponse<String> read = send("GET", "/read/5", forged);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(404, read.statusCode(), "the request runs (the note does not exist), it does not time out");
    assertTrue(tookMillis < 5_000, "took " + tookMillis + " ms, far less than the 20 s timeout");
    assertEquals(timeoutsBefore, tracker.stats().timeouts());
  }

  @Test
  void anUnsignedTokenOfARealWriteStillMakesTheReadWait() throws Exception {
    cluster.pauseReplay();
    HttpResponse<String> written = send("POST", "/write/content-length?id=6", null);
    String token = token(written);
    assertFalse(token.contains(".k"), "unsigned: " + token);
    readWaitsThenFinds(6, token);
  }

  /**
   * Another instance's write (a plain connection here), then the primary refuses new connections and lsnwait's
   * position connection is gone: the filter cannot read the primary's position. The token must stay as it came (and
   * be counted), not be lowered to the older position this JVM read before: that read would then skip its wait and
   * miss the write.
   */
  @Test
  void anUnsignedTokenIsKeptAsItCameWhenThePrimarysPositionCannotBeRead() throws Exception {
    cluster.awaitReplicaCaughtUp(PATIENCE);
    try (Connection primaryAdmin = cluster.primary().connect();
        Connection replicaAdmin = cluster.replica().connect(); // opened now: the standby will replay the ALTER too
        Connection otherDatabase = DriverManager.getConnection( // PostgreSQL alters another database only
            "jdbc:postgresql://127.0.0.1:" + cluster.primary().port() + "/template1", "postgres", null);
        Statement primarySql = primaryAdmin.createStatement();
        Statement replicaSql = replicaAdmin.createStatement();
        Statement alterSql = otherDatabase.createStatement()) {
      cluster.pauseReplay();
      primarySql.execute("INSERT INTO " + table + " VALUES (7, 'written by another instance')");
      String token = TokenCodec.unsigned().encode(
          LsnToken.of(cluster.systemIdentifier(), Lsn.parse(text(primarySql, "SELECT pg_current_wal_insert_lsn()"))));
      long uncheckedBefore = filter.codec().unchecked();
      CompletableFuture<HttpResponse<String>> read;
      try {
        alterSql.execute("ALTER DATABASE postgres ALLOW_CONNECTIONS false");
        primarySql.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
            + " WHERE application_name = 'lsnwait position'");
        read = async("GET", "/read/7", token);
        Deadline.await(PATIENCE, "the read to wait, or answer",
            () -> tracker.stats().waiters() >= 1 || read.isDone());
        assertFalse(read.isDone(), "answered without waiting (its token was lowered): " + read.getNow(null));
        assertEquals(uncheckedBefore + 1, filter.codec().unchecked(), "the token taken unchecked is counted");
      } finally {
        // Allowed again before the standby replays either change, so it never refuses the test kit's connections.
        alterSql.execute("ALTER DATABASE postgres ALLOW_CONNECTIONS true");
        Lsn restored = Lsn.parse(text(primarySql, "SELECT pg_current_wal_insert_lsn()"));
        replicaSql.execute("SELECT pg_wal_replay_resume()");
        Deadline.await(PATIENCE, "the standby to replay " + restored, () -> replayedAtLeast(replicaSql, restored));
      }
      assertEquals("found", read.get(30, TimeUnit.SECONDS).body());
    }
  }

  private static String text(Statement statement, String sql) throws SQLException {
    try (ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getString(1);
    }
  }

  private static boolean replayedAtLeast(Statement replica, Lsn target) {
    try {
      return Lsn.parse(text(replica, "SELECT pg_last_wal_replay_lsn()")).isAtLeast(target);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

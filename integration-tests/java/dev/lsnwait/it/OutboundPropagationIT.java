package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.TokenCodec;
import dev.lsnwait.http.HttpClientPropagation;
import dev.lsnwait.servlet.LsnWaitFilter;
import dev.lsnwait.web.NotesApp;
import dev.lsnwait.web.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token on outbound HTTP calls (java.net.http) and in job payloads. */
class OutboundPropagationIT extends ClusterTest {

  private final TokenCodec codec = TokenCodec.unsigned();
  private final HttpClientPropagation propagation = new HttpClientPropagation(codec);
  private final HttpClient client = HttpClient.newHttpClient();
  private String table;
  private HikariDataSource primary;
  private HikariDataSource replica;
  private ReplicaTracker tracker;
  private WebServer writer;
  private WebServer reader;
  private ExecutorService worker;

  @BeforeEach
  void start() throws Exception {
    table = newTable();
    primary = pool(cluster.primary());
    replica = pool(cluster.replica());
    tracker = trackerOf(replica);
    reader = closeLater(WebServer.start(NotesApp.reader(replica, table), LsnWaitFilter.builder().build()));
    writer = closeLater(
        WebServer.start(NotesApp.writer(primary, table, reader.base()), LsnWaitFilter.builder().build()));
    worker = Executors.newSingleThreadExecutor();
    closeLater(worker::shutdownNow);
  }

  @Test
  void aWriteByAnotherServiceIsSeenByTheCaller() throws Exception {
    cluster.pauseReplay();
    Future<Long> seen =
        worker.submit(
            () -> {
              HttpRequest.Builder post =
                  HttpRequest.newBuilder(URI.create(writer.base() + "/notes?id=1"))
                      .POST(HttpRequest.BodyPublishers.noBody());
              assertEquals(201, propagation.send(client, post, HttpResponse.BodyHandlers.ofString()).statusCode());
              try (Connection c = replica.getConnection()) { // the response's token is now this thread's
                return count(c, table, 1);
              }
            });
    awaitWaiters(tracker, 1);
    assertFalse(seen.isDone());
    cluster.resumeReplay();
    assertEquals(1L, seen.get(30, TimeUnit.SECONDS));
  }

  @Test
  void theCallersWriteIsSeenByTheServiceItCalls() throws Exception {
    cluster.pauseReplay();
    Future<String> body =
        worker.submit(
            () -> {
              insert(primary, table, 2);
              HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(reader.base() + "/notes/2"));
              return propagation.send(client, get, HttpResponse.BodyHandlers.ofString()).body();
            });
    awaitWaiters(tracker, 1);
    assertFalse(body.isDone());
    cluster.resumeReplay();
    assertEquals("found", body.get(30, TimeUnit.SECONDS));
  }

  /** A job as a queue (Kafka, JMS, a jobs table) would carry it: the payload plus the token, as a header or field. */
  record Job(int noteId, String lsnwaitToken) {}

  @Test
  void jobPayloadExample() throws Exception {
    BlockingQueue<Job> queue = new ArrayBlockingQueue<>(1);
    // Producer: write, then enqueue the job with the token of that write.
    insert(primary, table, 3);
    cluster.pauseReplay(); // from here on, the replica lags behind the write above... and the one below
    insert(primary, table, 4);
    queue.put(new Job(4, codec.encode(LsnContext.current())));

    // Consumer, in another thread (in real life another process): run the job under the job's token.
    Future<Long> consumed =
        worker.submit(
            () -> {
              Job job = queue.take();
              LsnToken token = codec.decodeOrEmpty(job.lsnwaitToken());
              return LsnContext.callWith(
                  token,
                  () -> {
                    try (Connection c = replica.getConnection()) {
                      return count(c, table, job.noteId());
                    }
                  });
            });
    awaitWaiters(tracker, 1);
    assertFalse(consumed.isDone());
    cluster.resumeReplay();
    assertEquals(1L, consumed.get(30, TimeUnit.SECONDS));
  }
}

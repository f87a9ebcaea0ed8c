package dev.lsnwait.internal.primary;

import static dev.lsnwait.internal.primary.PositionRows.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.lsnwait.Lsn;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The position reader thread starts on whichever application thread first needs a position: a web application's
 * request thread. It must not keep that thread's context class loader (the web application's, held in memory after
 * an undeploy for as long as the reader runs); {@code DaemonThreadTest} checks the rest.
 */
class ReaderThreadLeakTest {

  private static final ServerIdentity IDENTITY = new ServerIdentity(1, 1_700_000_000_000_000L, 0);
  private final FakeServer server = new FakeServer(IDENTITY, () -> row("0/1000"));
  private final PrimaryPosition position = new PrimaryPosition("leak:5432", 1, 8192, 16 << 20,
      Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(60), () -> server.side(PrimaryPosition.QUERY, true));

  @AfterEach
  void tearDown() {
    position.close();
  }

  @Test
  void aReaderStartedOnAWebApplicationsThreadDoesNotKeepItsClassLoader() throws Exception {
    server.inRecovery(false);
    CompletableFuture<Lsn> read = new CompletableFuture<>();
    try (URLClassLoader webApplication = new URLClassLoader(new URL[0], null)) {
      Thread request = new Thread(() -> {
        try {
          read.complete(position.covering(position.mark(), position.defaultDeadline()));
        } catch (Exception e) {
          read.completeExceptionally(e);
        }
      }, "http-exec-1");
      request.setContextClassLoader(webApplication);
      request.start();
      assertEquals(Lsn.of(0x1000 - 7), read.get());
      Thread reader = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("lsnwait-position[leak:5432]")).findFirst().orElse(null);
      assertNotNull(reader, "the reader stays a while after its read (idle timeout 60 s)");
      assertSame(PrimaryPosition.class.getClassLoader(), reader.getContextClassLoader(),
          "lsnwait's, not the request's");
    }
  }
}

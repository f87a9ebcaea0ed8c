package dev.lsnwait.it;

import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;

/** What the tests of the Spring Boot application {@code BootNotesApp} share: its cluster, its key, its warm-up. */
final class BootNotesCluster {

  /** {@code lsnwait.web.keys}: one key of 32 bytes. */
  static final String KEYS = "k1=" + Base64.getEncoder().encodeToString("a key of thirty-two bytes, fine!".getBytes());

  private BootNotesCluster() {}

  /** A primary and a replica that replays 300 ms late, with the application's empty table replayed. */
  static PgCluster start(Duration patience) {
    PgCluster cluster = PgCluster.start(Duration.ofMillis(300), false);
    PgCluster.execute(cluster.primary(), "CREATE TABLE boot_note (id bigserial PRIMARY KEY, text text)");
    cluster.awaitReplicaCaughtUp(patience);
    return cluster;
  }

  /**
   * Until lsnwait has read the primary's function catalog (in the background, from the first connection on), a
   * read-only statement that calls a function ({@code count(*)}, {@code pg_is_in_recovery()}) is placed on the
   * primary; tests that are about what comes after wait for it here. Writes the first {@code boot_note} straight to
   * the primary (no token), waits for the replica to replay it, then until {@code readNoteOne} (a GET of note 1 on
   * the application) answers from the replica.
   */
  static void awaitReplicaPlacement(PgCluster cluster, Duration patience, Callable<String> readNoteOne) {
    PgCluster.execute(cluster.primary(), "INSERT INTO boot_note (text) VALUES ('warm-up')");
    cluster.awaitReplicaCaughtUp(patience);
    Deadline.await(patience, "read-only work placed on the replica", () -> {
      try {
        return readNoteOne.call().contains("\"replica\":true");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}

package dev.lsnwait.it;

import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Until lsnwait has read the primary's function catalog (in the background, from the first connection on), a
 * read-only statement that calls a function ({@code count(*)}, {@code pg_is_in_recovery()}) is placed on the primary.
 * Tests of a Boot application that are about what comes after wait for it here first.
 */
final class CatalogWarmUp {

  private CatalogWarmUp() {}

  /**
   * Writes the first {@code boot_note} straight to the primary (no token), waits for the replica to replay it, then
   * until {@code readNoteOne} (a GET of note 1 on the application) answers from the replica.
   */
  static void await(PgCluster cluster, Duration patience, Callable<String> readNoteOne) {
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

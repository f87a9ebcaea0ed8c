package dev.lsnwait.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * A base backup of a running primary with PostgreSQL's low-level API ({@code pg_backup_start}, a file copy,
 * {@code pg_backup_stop}), which is what {@code pg_basebackup} does: the embedded binaries do not ship it. The copy
 * leaves out WAL (a standby streams what it needs) and files that only describe the running server.
 */
final class BaseBackup {

  /** Directories whose contents a backup leaves out (the directories themselves are kept). */
  private static final Set<String> EMPTIED =
      Set.of("pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots",
          "pg_subtrans");
  private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "standby.signal");

  private BaseBackup() {}

  /** Copies {@code primary}'s data directory into {@code target} (which must not exist) as a consistent backup. */
  static void take(PgServer primary, Path target) {
    try (Connection connection = primary.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("SELECT pg_backup_start('lsnwait test', true)");
      copy(primary.dataDirectory(), target);
      try (ResultSet row = statement.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
        row.next();
        Files.writeString(target.resolve("backup_label"), row.getString(1));
      }
      handOverTree(target);
    } catch (SQLException e) {
      throw new IllegalStateException("base backup failed: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("base backup failed", e);
    }
  }

  private static void copy(Path source, Path target) throws IOException {
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
        Path copy = target.resolve(source.relativize(dir).toString());
        Files.createDirectories(copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
        boolean emptied = dir.getParent() != null && dir.getParent().equals(source)
            && EMPTIED.contains(dir.getFileName().toString());
        if (emptied) {
          if (dir.getFileName().toString().equals("pg_wal")) {
            Files.createDirectories(copy.resolve("archive_status"));
          }
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
        if (file.getParent().equals(source) && SKIPPED.contains(file.getFileName().toString())) {
          return FileVisitResult.CONTINUE;
        }
        try {
          Files.copy(file, target.resolve(source.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
        } catch (NoSuchFileException e) {
          // removed while copying (a dropped relation, a temporary file): WAL replay recreates what matters
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
  }

  /** Gives every file of a tree made by this JVM to the user PostgreSQL runs as. */
  private static void handOverTree(Path root) throws IOException {
    if (!PgServer.isRoot()) {
      return;
    }
    UserPrincipal user = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(PgServer.RUN_AS);
    try (var paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Files.setOwner(path, user);
      }
    }
  }
}

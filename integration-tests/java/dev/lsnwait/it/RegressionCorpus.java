package dev.lsnwait.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * PostgreSQL's own regression scripts ({@code src/test/regress}: {@code sql/}, {@code data/},
 * {@code parallel_schedule}): SQL nobody here wrote. Taken from Debian's source package of PostgreSQL (the mirror's
 * index names the release and its SHA-256, checked), unpacked once into the temporary directory.
 * {@code -Dlsnwait.regress.dir} points at a copy instead; {@code -Dlsnwait.debian.mirror} at another mirror.
 */
final class RegressionCorpus {

  private static final String MIRROR = System.getProperty("lsnwait.debian.mirror", "http://deb.debian.org/debian");
  private static final String SUITE = "bookworm";
  private static final String SOURCE_PACKAGE = "postgresql-15";
  private static final Pattern WANTED = Pattern.compile(
      "[^/]+/src/test/regress/((?:sql|data)/[^/]+|parallel_schedule)");
  private static final Pattern ORIGINAL = Pattern.compile(
      "(?m)^ ([0-9a-f]{64}) \\d+ (" + SOURCE_PACKAGE + "_[0-9.]+\\.orig\\.tar\\.bz2)$");

  private RegressionCorpus() {}

  /** The directory holding {@code sql/}, {@code data/} and {@code parallel_schedule}. */
  static Path directory() {
    String configured = System.getProperty("lsnwait.regress.dir");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path target = Path.of(System.getProperty("java.io.tmpdir"), "lsnwait-pg-regress");
    if (Files.exists(target.resolve(".complete"))) {
      return target;
    }
    try {
      return download(target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot fetch PostgreSQL's regression scripts from " + MIRROR
          + " (Debian's source package " + SOURCE_PACKAGE + "); set -Dlsnwait.regress.dir to a copy of"
          + " src/test/regress", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The scripts in {@code parallel_schedule}'s order (later ones use the tables earlier ones made). */
  static List<Path> scripts(Path directory) throws IOException {
    List<Path> scripts = new ArrayList<>();
    for (String line : Files.readAllLines(directory.resolve("parallel_schedule"))) {
      if (line.startsWith("test:")) {
        for (String name : line.substring("test:".length()).trim().split("\\s+")) {
          Path script = directory.resolve("sql").resolve(name + ".sql");
          if (Files.exists(script)) {
            scripts.add(script);
          }
        }
      }
    }
    return scripts;
  }

  private static Path download(Path target) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30)).build();
    String index;
    try (InputStream sources = new GZIPInputStream(new ByteArrayInputStream(
        get(http, MIRROR + "/dists/" + SUITE + "/main/source/Sources.gz")))) {
      index = new String(sources.readAllBytes(), StandardCharsets.UTF_8);
    }
    int stanza = index.indexOf("Package: " + SOURCE_PACKAGE + "\n");
    if (stanza < 0) {
      throw new IOException("no " + SOURCE_PACKAGE + " in " + SUITE + "'s source index");
    }
    String entry = index.substring(stanza, endOfStanza(index, stanza));
    Matcher directory = Pattern.compile("(?m)^Directory: (\\S+)$").matcher(entry);
    Matcher original = ORIGINAL.matcher(entry.substring(Math.max(0, entry.indexOf("Checksums-Sha256:"))));
    if (!directory.find() || !original.find()) {
      throw new IOException("no original tarball listed for " + SOURCE_PACKAGE + " in " + SUITE);
    }
    byte[] tarball = get(http, MIRROR + "/" + directory.group(1) + "/" + original.group(2));
    String sha256 = sha256(tarball);
    if (!sha256.equals(original.group(1))) {
      throw new IOException(original.group(2) + ": SHA-256 " + sha256 + ", the index says " + original.group(1));
    }
    Path staging = Files.createTempDirectory(target.getParent(), "lsnwait-pg-regress-");
    Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
    unpackRegress(tarball, staging);
    Files.writeString(staging.resolve(".complete"), original.group(2) + "\n");
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (!Files.exists(target.resolve(".complete"))) { // else another JVM got there first
        throw e;
      }
    }
    return target;
  }

  /**
   * Writes {@code src/test/regress}'s {@code sql/}, {@code data/} and {@code parallel_schedule} into {@code into},
   * readable by everyone (the server, run as an unprivileged user, reads the data files).
   */
  private static void unpackRegress(byte[] tarball, Path into) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BZip2CompressorInputStream(
        new ByteArrayInputStream(tarball)))) {
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        Matcher wanted = WANTED.matcher(entry.getName());
        if (!entry.isFile() || !wanted.matches()) {
          continue;
        }
        Path file = into.resolve(wanted.group(1)).normalize();
        if (!file.startsWith(into)) {
          throw new IOException("an entry outside the directory: " + entry.getName());
        }
        Files.createDirectories(file.getParent());
        Files.copy(tar, file, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    if (!Files.exists(into.resolve("parallel_schedule"))) {
      throw new IOException("the tarball has no src/test/regress/parallel_schedule");
    }
  }

  private static int endOfStanza(String index, int start) {
    int end = index.indexOf("\n\n", start);
    return end < 0 ? index.length() : end;
  }

  private static byte[] get(HttpClient http, String url) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException(url + ": HTTP " + response.statusCode());
    }
    return response.body();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

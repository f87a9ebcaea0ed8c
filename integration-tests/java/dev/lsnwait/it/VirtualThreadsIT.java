package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * 10,000 virtual threads waiting in lsnwait do not pin their carrier threads: checked with JFR's
 * {@code jdk.VirtualThreadPinned} in a JVM of version 21 or newer ({@code LSNWAIT_JDK21_HOME}, the running JVM, or
 * one found under /usr/lib/jvm).
 */
class VirtualThreadsIT extends ClusterTest {

  private static final int WAITERS = 10_000;

  @Test
  void tenThousandVirtualThreadsWaitWithoutPinningCarriers() throws Exception {
    Optional<Path> java = jdk21();
    assumeTrue(java.isPresent(), "no JDK 21 or newer found: set LSNWAIT_JDK21_HOME");
    Path output = Files.createTempFile("lsnwait-virtual-threads", ".out");
    try {
      Process child = new ProcessBuilder(
              java.get().toString(),
              "-Xmx2g",
              "-Djava.util.logging.config.file=" + System.getProperty("java.util.logging.config.file", ""),
              "-cp", System.getProperty("java.class.path"),
              VirtualThreadWaiters.class.getName(),
              "" + cluster.primary().port(), "" + cluster.replica().port(), "" + WAITERS)
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .start();
      assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the child JVM finished");
      String printed = Files.readString(output);
      assertEquals(0, child.exitValue(), printed);
      Matcher result = Pattern.compile("completed=(\\d+) pinned=(\\d+)").matcher(printed);
      assertTrue(result.find(), printed);
      assertTrue(printed.contains("waiting=" + WAITERS), "all of them waited at once: " + printed);
      assertEquals(WAITERS, Integer.parseInt(result.group(1)), "every read completed and saw the write: " + printed);
      assertEquals(0, Integer.parseInt(result.group(2)), "no carrier was pinned: " + printed);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static Optional<Path> jdk21() throws IOException {
    String configured = System.getenv("LSNWAIT_JDK21_HOME");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Paths.get(configured, "bin", "java"));
    }
    if (Runtime.version().feature() >= 21) {
      return Optional.of(Paths.get(System.getProperty("java.home"), "bin", "java"));
    }
    Path jvms = Paths.get("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> homes = Files.list(jvms)) {
      for (Path home : homes.sorted().toList()) {
        Path release = home.resolve("release");
        Path java = home.resolve("bin/java");
        if (Files.isReadable(release) && Files.isExecutable(java) && featureOf(Files.readAllLines(release)) >= 21) {
          return Optional.of(java);
        }
      }
    }
    return Optional.empty();
  }

  private static int featureOf(List<String> release) {
    for (String line : release) {
      Matcher version = Pattern.compile("^JAVA_VERSION=\"(\\d+)").matcher(line);
      if (version.find()) {
        return Integer.parseInt(version.group(1));
      }
    }
    return 0;
  }
}

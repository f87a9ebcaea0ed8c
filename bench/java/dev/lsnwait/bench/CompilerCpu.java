package dev.lsnwait.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time this JVM's JIT compiler threads have used (Linux: {@code /proc/self/task}), so that a benchmark can
 * tell client CPU spent on the work from CPU spent compiling it: variants alternate in one JVM, and code that one
 * variant runs is compiled (and recompiled as the others change its profile) during the measurements.
 */
final class CompilerCpu {

  private static final Path TASKS = Path.of("/proc/self/task");
  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ = 100 on Linux

  private CompilerCpu() {}

  /** The compiler threads' user and system time so far, in nanoseconds (10 ms steps); -1 where /proc is missing. */
  static long nanos() {
    if (!Files.isDirectory(TASKS)) {
      return -1;
    }
    long ticks = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        ticks += compilerTicks(task);
      }
    } catch (IOException e) {
      return -1;
    }
    return ticks * NANOS_PER_TICK;
  }

  private static long compilerTicks(Path task) {
    try {
      String stat = Files.readString(task.resolve("stat"));
      int open = stat.indexOf('(');
      int close = stat.lastIndexOf(')');
      if (!stat.substring(open + 1, close).contains("CompilerThre")) {
        return 0;
      }
      String[] fields = stat.substring(close + 2).split(" "); // fields from the 3rd (state) on
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime (14th) and stime (15th)
    } catch (IOException | RuntimeException e) {
      return 0; // the thread ended meanwhile
    }
  }
}

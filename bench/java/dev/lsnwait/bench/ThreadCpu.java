package dev.lsnwait.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time some of this JVM's threads have used, by name (Linux: {@code /proc/self/task}), so that a benchmark
 * can tell client CPU spent on the work from CPU spent compiling it (variants alternate in one JVM, and code that
 * one variant runs is compiled, and recompiled as the others change its profile, during the measurements), and
 * lsnwait's own threads (position reader, trackers) from the application's.
 */
final class ThreadCpu {

  private static final Path TASKS = Path.of("/proc/self/task");
  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ = 100 on Linux

  private ThreadCpu() {}

  /** The whole process's CPU time so far (every thread: the client's and lsnwait's), in nanoseconds; -1 if unknown. */
  static long process() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  /** The JIT compiler threads' user and system time so far, in nanoseconds (10 ms steps); -1 where /proc is missing. */
  static long compiler() {
    return nanos("C1 CompilerThre", "C2 CompilerThre");
  }

  /** lsnwait's own threads' (position readers, trackers, catalog loaders), as {@link #compiler()}. */
  static long lsnwait() {
    return nanos("lsnwait-");
  }

  private static long nanos(String... prefixes) {
    if (!Files.isDirectory(TASKS)) {
      return -1;
    }
    long ticks = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        ticks += ticks(task, prefixes);
      }
    } catch (IOException e) {
      return -1;
    }
    return ticks * NANOS_PER_TICK;
  }

  private static long ticks(Path task, String... prefixes) {
    try {
      String stat = Files.readString(task.resolve("stat"));
      int open = stat.indexOf('(');
      int close = stat.lastIndexOf(')');
      String name = stat.substring(open + 1, close); // at most 15 characters
      boolean counted = false;
      for (String prefix : prefixes) {
        counted |= name.startsWith(prefix);
      }
      if (!counted) {
        return 0;
      }
      String[] fields = stat.substring(close + 2).split(" "); // fields from the 3rd (state) on
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime (14th) and stime (15th)
    } catch (IOException | RuntimeException e) {
      return 0; // the thread ended meanwhile
    }
  }
}

package dev.lsnwait.bench;

/**
 * One variant's repetition in {@link SplittingBench}: reads, stale reads, latency, and the client's CPU (the JIT
 * compiler's threads and lsnwait's own counted apart, {@link ThreadCpu}).
 */
record SplittingCell(double seconds, long reads, long stale, long onReplica, double p50, double p99,
    long cpuNanos, long compilerNanos, long lsnwaitNanos) {
  double readsPerSecond() {
    return reads / seconds;
  }

  /** Client CPU per read, in microseconds (the writes' share included, as in a real service). */
  double cpuMicrosPerRead() {
    return cpuNanos / 1e3 / Math.max(1, reads);
  }

  /** As {@link #cpuMicrosPerRead}, without the JIT compiler's threads ({@link ThreadCpu}). */
  double cpuMicrosPerReadWithoutJit() {
    return (cpuNanos - compilerNanos) / 1e3 / Math.max(1, reads);
  }

  /** The part of {@link #cpuMicrosPerRead} that lsnwait's own threads used (position reader, trackers). */
  double lsnwaitMicrosPerRead() {
    return lsnwaitNanos / 1e3 / Math.max(1, reads);
  }

  double replicaPercent() {
    return 100.0 * onReplica / Math.max(1, reads);
  }

  double primaryReadsPerSecond() {
    return (reads - onReplica) / seconds;
  }

  @Override
  public String toString() {
    return String.format("%7.0f reads/s, %d stale, p50 %.2f ms, p99 %.2f ms, %.1f%% on the replica, CPU %.1f us"
        + "/read (%.1f without the JIT, %.1f in lsnwait's threads)", readsPerSecond(), stale, p50, p99,
        replicaPercent(), cpuMicrosPerRead(), cpuMicrosPerReadWithoutJit(), lsnwaitMicrosPerRead());
  }
}

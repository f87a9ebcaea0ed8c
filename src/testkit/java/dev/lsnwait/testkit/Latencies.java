package dev.lsnwait.testkit;

import java.util.Arrays;

/** Latency samples of one thread, in nanoseconds; merged for percentiles at the end. */
public final class Latencies {

  private long[] samples = new long[1024];
  private int size;

  public void add(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  public int size() {
    return size;
  }

  public static Latencies merge(Iterable<Latencies> all) {
    Latencies merged = new Latencies();
    for (Latencies one : all) {
      for (int i = 0; i < one.size; i++) {
        merged.add(one.samples[i]);
      }
    }
    Arrays.sort(merged.samples, 0, merged.size);
    return merged;
  }

  /** The {@code p}-th percentile in milliseconds, of sorted samples (see {@link #merge}). */
  public double percentileMillis(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(size - 1, Math.ceil(p / 100.0 * size) - 1);
    return samples[Math.max(0, index)] / 1e6;
  }
}

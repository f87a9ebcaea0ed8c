package dev.lsnwait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.lsnwait.internal.context.CommitPositionSource;
import dev.lsnwait.internal.context.ThreadContext;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LsnContextTest {

  private static final long CLUSTER = 42;
  private static final long FAR = Long.MAX_VALUE;
  private CommitPositionSource primary;
  private ExecutorService other;

  @BeforeEach
  void setUp() throws SQLException {
    LsnContext.clear();
    primary = mock(CommitPositionSource.class);
    when(primary.systemIdentifier()).thenReturn(CLUSTER);
    when(primary.mark()).thenReturn(7L);
    when(primary.covering(anyLong(), anyLong())).thenReturn(Lsn.of(0x500));
    other = Executors.newSingleThreadExecutor();
  }

  @AfterEach
  void tearDown() {
    LsnContext.clear();
    other.shutdownNow();
  }

  @Test
  void aCommitCostsNoRoundTripAndIsReadOnceWhenNeeded() throws SQLException {
    ThreadContext.recordCommit(primary);
    ThreadContext.recordCommit(primary);
    verify(primary, never()).covering(anyLong(), anyLong());

    assertEquals(Lsn.of(0x500), ThreadContext.requiredLsn(CLUSTER, FAR));
    assertEquals(Lsn.of(0x500), ThreadContext.requiredLsn(CLUSTER, FAR));
    verify(primary, times(1)).covering(eq(7L), anyLong());
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x500)), LsnContext.current());
  }

  @Test
  void otherClustersNeedNothingAndReadNothing() throws SQLException {
    ThreadContext.recordCommit(primary);
    assertNull(ThreadContext.requiredLsn(CLUSTER + 1, FAR));
    verify(primary, never()).covering(anyLong(), anyLong());
  }

  @Test
  void wrappedTasksCarryUnreadCommitsToAnotherThread() throws Exception {
    ThreadContext.recordCommit(primary);
    Lsn seen = other.submit(LsnContext.wrap(() -> ThreadContext.requiredLsn(CLUSTER, FAR))).get(5, TimeUnit.SECONDS);
    assertEquals(Lsn.of(0x500), seen);
    assertTrue(other.submit(LsnContext::current).get(5, TimeUnit.SECONDS).isEmpty(), "the worker is clean again");
  }

  @Test
  void wrappedExecutorCarriesTheSubmittersContext() throws Exception {
    LsnToken token = LsnToken.of(CLUSTER, Lsn.of(9));
    LsnContext.set(token);
    CompletableFuture<LsnToken> seen =
        CompletableFuture.supplyAsync(LsnContextTest::currentUnchecked, LsnContext.wrap(other));
    assertEquals(token, seen.get(5, TimeUnit.SECONDS));
    Runnable wrapped = LsnContext.wrap((Runnable) () -> assertEquals(token, currentUnchecked()));
    other.submit(wrapped).get(5, TimeUnit.SECONDS);
  }

  @Test
  void scopesRestoreAndDoNotLeakCommitsOutward() throws Exception {
    LsnToken outer = LsnToken.of(1, Lsn.of(1));
    LsnContext.set(outer);
    LsnToken inScope =
        LsnContext.callWith(
            LsnToken.EMPTY,
            () -> {
              ThreadContext.recordCommit(primary);
              return LsnContext.current();
            });
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x500)), inScope);
    assertEquals(outer, LsnContext.current());
    LsnContext.runWith(inScope, () -> assertEquals(inScope, currentUnchecked()));
    assertEquals(outer, LsnContext.current());
  }

  @Test
  void aFailedPositionReadKeepsTheCommitPending() throws Exception {
    when(primary.covering(anyLong(), anyLong())).thenThrow(new SQLException("primary down")).thenReturn(Lsn.of(0x600));
    ThreadContext.recordCommit(primary);
    assertThrows(SQLException.class, LsnContext::current);
    assertEquals(LsnToken.of(CLUSTER, Lsn.of(0x600)), LsnContext.current(), "nothing lost: read on the next try");
  }

  @Test
  void rejectsNulls() {
    assertThrows(NullPointerException.class, () -> LsnContext.set(null));
    assertThrows(NullPointerException.class, () -> LsnContext.wrap((Runnable) null));
  }

  private static LsnToken currentUnchecked() {
    try {
      return LsnContext.current();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

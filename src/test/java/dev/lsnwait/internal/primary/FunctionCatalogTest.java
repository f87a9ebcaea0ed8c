package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.internal.server.FakeServer;
import dev.lsnwait.internal.server.ServerIdentity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FunctionCatalogTest {

  /** A catalog that has loaded {@code functions} (name to read-only) from a fake server. */
  static FunctionCatalog catalog(Map<String, Boolean> functions) {
    FakeServer server = new FakeServer(new ServerIdentity(1, 1, 0), () -> rows(functions));
    server.inRecovery(false);
    FunctionCatalog catalog = new FunctionCatalog("primary:5432", () -> server.side(FunctionCatalog.QUERY));
    catalog.loadSoon();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!catalog.isLoaded()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the catalog did not load");
      }
      Thread.onSpinWait();
    }
    return catalog;
  }

  static ResultSet rows(Map<String, Boolean> functions) throws SQLException {
    List<Map.Entry<String, Boolean>> entries = new ArrayList<>(functions.entrySet());
    AtomicInteger at = new AtomicInteger(-1);
    ResultSet rows = mock(ResultSet.class);
    when(rows.next()).thenAnswer(call -> at.incrementAndGet() < entries.size());
    when(rows.getString(1)).thenAnswer(call -> entries.get(at.get()).getKey());
    when(rows.getBoolean(2)).thenAnswer(call -> entries.get(at.get()).getValue());
    return rows;
  }

  @Test
  void beforeItLoadsEveryCallMayWriteAndANewNameIsLookedUpLater() throws Exception {
    Map<String, Boolean> functions = new ConcurrentHashMap<>(Map.of("lower", true));
    FunctionCatalog catalog = catalog(functions);
    assertFalse(catalog.mayWrite("lower"));
    assertTrue(catalog.mayWrite("made_later"), "unknown: may write");
    functions.put("made_later", true); // CREATE FUNCTION made_later() ... STABLE
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (catalog.mayWrite("made_later")) {
      assertTrue(System.nanoTime() < deadline, "the catalog learns the new function");
      Thread.sleep(50);
    }
    assertEquals(SqlEffect.READ, catalog.classify("SELECT made_later()"));
  }
}

package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class FunctionCatalogTest {

  /** A catalog that has loaded {@code functions} (name to read-only) and no relations that write. */
  static FunctionCatalog catalog(Map<String, Boolean> functions) {
    FunctionCatalog catalog = new FunctionCatalog("primary:5432/app", () -> known(functions, Set.of()));
    catalog.loadSoon(true);
    await(catalog::isLoaded, "the catalog loads");
    return catalog;
  }

  static KnownWriters known(Map<String, Boolean> functions, Set<String> writingRelations) {
    Set<String> readOnly = new HashSet<>();
    functions.forEach((name, safe) -> {
      if (safe) {
        readOnly.add(name);
      }
    });
    return new KnownWriters(readOnly, functions.keySet(), writingRelations, false, Set.of(), java.util.Map.of());
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what);
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void aNewNameIsLookedUpLater() throws Exception {
    Map<String, Boolean> functions = new ConcurrentHashMap<>(Map.of("lower", true));
    FunctionCatalog catalog = catalog(functions);
    assertFalse(catalog.mayWrite("lower"));
    assertTrue(catalog.mayWrite("made_later"), "unknown: may write");
    functions.put("made_later", true); // CREATE FUNCTION made_later() ... STABLE
    await(() -> !catalog.mayWrite("made_later"), "the catalog learns the new function");
    assertEquals(SqlEffect.READ, catalog.classify("SELECT made_later()"));
  }

  @Test
  void beforeTheFirstLoadEveryReadThatNamesSomethingMayWrite() {
    FunctionCatalog catalog = new FunctionCatalog("primary:5432/app", () -> {
      throw new java.sql.SQLException("down");
    });
    assertTrue(catalog.classify("SELECT lower(name) FROM t").mayWrite());
    assertTrue(catalog.classify("SELECT id FROM t").mayWrite(), "t may be a view that writes");
    assertFalse(catalog.classify("SELECT 1").mayWrite(), "names nothing");
    assertFalse(catalog.classifyForPlacement("SELECT id FROM t", false).mayWrite(), "placed on a replica");
    assertTrue(catalog.classifyForPlacement("SELECT lower(name) FROM t", false).mayWrite(), "a call: the primary");
  }

  @Test
  void afterAChangeNothingIsProvedUntilALoadThatBeganAfterIt() throws Exception {
    Map<String, Boolean> functions = new ConcurrentHashMap<>(Map.of("f", true));
    CountDownLatch loadBegan = new CountDownLatch(1);
    CountDownLatch mayFinish = new CountDownLatch(1);
    boolean[] hold = {false};
    FunctionCatalog catalog = new FunctionCatalog("primary:5432/app", () -> {
      KnownWriters answer = known(Map.copyOf(functions), Set.of()); // what the server said when asked
      if (hold[0]) {
        hold[0] = false;
        loadBegan.countDown();
        try {
          mayFinish.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          throw new java.sql.SQLException(e);
        }
      }
      return answer;
    });
    catalog.loadSoon(true);
    await(catalog::isLoaded, "the catalog loads");
    assertFalse(catalog.classify("SELECT f()").mayWrite());

    hold[0] = true;
    catalog.changed(); // CREATE OR REPLACE FUNCTION f() ... VOLATILE, not yet committed: the load sees STABLE
    assertTrue(loadBegan.await(10, TimeUnit.SECONDS));
    assertTrue(catalog.classify("SELECT f()").mayWrite(), "nothing proved after a change");
    functions.put("f", false);
    catalog.changed(); // ... committed
    mayFinish.countDown();
    await(catalog::isLoaded, "a load after the change");
    assertTrue(catalog.classify("SELECT f()").mayWrite(), "the load that began before the commit is not taken");
  }

  @Test
  void relationsThatMayWriteMakeReadsWrites() {
    FunctionCatalog catalog = new FunctionCatalog("primary:5432/app",
        () -> known(Map.of("lower", true), Set.of("audited_view")));
    catalog.loadSoon(true);
    await(catalog::isLoaded, "the catalog loads");
    assertTrue(catalog.classify("SELECT * FROM app.audited_view").mayWrite());
    assertTrue(catalog.classify("SELECT * FROM \"audited_view\"").mayWrite());
    assertFalse(catalog.classify("SELECT lower(name) FROM plain_table").mayWrite());
  }
}

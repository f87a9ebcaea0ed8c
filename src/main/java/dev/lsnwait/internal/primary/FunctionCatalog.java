package dev.lsnwait.internal.primary;

import dev.lsnwait.internal.DaemonThread;
import dev.lsnwait.internal.server.SideConnection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What one database of one primary proves about which of its functions and relations can write
 * ({@link WriterRules}), read off the write path and kept true: read in the background when the first connection to
 * the database opens, again as soon as SQL that may change it ({@code CREATE OR REPLACE FUNCTION}, {@code ALTER},
 * {@code DO}, ...) ends its transaction on any connection of this JVM, at least every {@value #REFRESH_SECONDS}
 * seconds while it is used (a change made elsewhere), and (at most once a second) when a statement calls a function
 * it has never heard of. Until the first read, and from a change until the next read that began after it, nothing
 * is proved: every read that names a function or a relation counts as one that writes.
 */
public final class FunctionCatalog {

  /** Reads a database's catalog and judges it. */
  @FunctionalInterface
  public interface Loader {
    KnownWriters load() throws SQLException;
  }

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.primary");
  private static final long RELOAD_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final int REFRESH_SECONDS = 30;
  private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(REFRESH_SECONDS);
  private static final int MAX_REMEMBERED = 4096;

  /** What is proved, and the statements classified with it, by text: applications run the same few hundred. */
  private record Proof(WriteLookup lookup, KnownWriters known, ConcurrentHashMap<String, SqlEffect> effects) {
    static Proof of(WriteLookup lookup, KnownWriters known) {
      return new Proof(lookup, known, new ConcurrentHashMap<>());
    }
  }

  private final String name;
  private final Loader loader;
  private final AtomicLong changes = new AtomicLong();
  private final Set<String> notFound = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean loading = new AtomicBoolean();
  private volatile Proof proof = Proof.of(WriteLookup.NOTHING_KNOWN, null);
  private volatile long lastLoad;
  private volatile boolean again;
  private volatile boolean urgent;

  /** @param name the server and database, for logs */
  public FunctionCatalog(String name, Loader loader) {
    this.name = name;
    this.loader = loader;
  }

  /** A catalog read through {@code connections}, each prepared with {@link #QUERY}. */
  public static FunctionCatalog reading(String name, Supplier<SideConnection> connections) {
    return new FunctionCatalog(name, () -> {
      try (SideConnection connection = connections.get()) {
        return WriterRules.judge(CatalogRows.read(connection));
      }
    });
  }

  /** The query a catalog's side connection prepares. */
  public static final String QUERY = CatalogRows.ROUTINES;

  /** What {@code sql} may do, remembered while what is proved stays the same. */
  public SqlEffect classify(String sql) {
    return classify(sql, false);
  }

  /**
   * As above, for a session whose {@code standard_conforming_strings} is off when {@code backslashQuotes} (a
   * backslash then escapes a quote in every literal): not remembered, since the same text reads otherwise.
   */
  public SqlEffect classify(String sql, boolean backslashQuotes) {
    return classify(sql, backslashQuotes, false);
  }

  /**
   * What {@code sql} may do, to place read-only work on a replica or the primary: as {@link #classify}, except
   * before anything is proved, when only calls count as writes (as they did before relations were judged), so that
   * plain reads still go to replicas in the moments after a start or a change.
   */
  public SqlEffect classifyForPlacement(String sql, boolean backslashQuotes) {
    return classify(sql, backslashQuotes, true);
  }

  private SqlEffect classify(String sql, boolean backslashQuotes, boolean placement) {
    Proof current = proof;
    if (System.nanoTime() - lastLoad > (current.known() != null ? REFRESH_NANOS : RELOAD_GAP_NANOS)) {
      loadSoon(false); // a change made by another program, or a read that failed: try again
    }
    if (placement && current.known() == null) {
      return SqlScanner.classify(sql, WriteLookup.CALLS_UNKNOWN, backslashQuotes); // not remembered: brief
    }
    if (backslashQuotes) {
      return SqlScanner.classify(sql, current.lookup(), true);
    }
    SqlEffect effect = current.effects().get(sql);
    if (effect == null) {
      effect = SqlScanner.classify(sql, current.lookup());
      if (current.effects().size() >= MAX_REMEMBERED) {
        current.effects().clear();
      }
      current.effects().put(sql, effect);
    }
    return effect;
  }

  /** Whether a call of {@code name} (as PostgreSQL folds it) may write; asks the server, later, about new names. */
  boolean mayWrite(String name) {
    return proof.lookup().functionMayWrite(name);
  }

  /**
   * SQL that may change which functions or relations write ended its transaction (or ran: it may be seen before
   * it commits): nothing is proved until a read that begins after this.
   */
  public void changed() {
    changes.incrementAndGet();
    proof = Proof.of(WriteLookup.NOTHING_KNOWN, null);
    loadSoon(true);
  }

  /**
   * Loads in the background, at least a second after the last load unless {@code now}; a request while a load runs
   * makes it load once more when it is done (what was asked about may have changed after it began).
   */
  public void loadSoon(boolean now) {
    urgent |= now;
    again = true;
    if (!loading.compareAndSet(false, true)) {
      return;
    }
    Thread thread = DaemonThread.of(this::loadWhileWanted, "lsnwait-catalog[" + name + "]");
    try {
      thread.start();
    } catch (OutOfMemoryError | RuntimeException e) {
      loading.set(false);
    }
  }

  private void loadWhileWanted() {
    try {
      while (again) {
        again = false;
        long wait = lastLoad == 0 || urgent ? 0 : lastLoad + RELOAD_GAP_NANOS - System.nanoTime();
        urgent = false;
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        load();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      loading.set(false);
    }
    if (again) {
      loadSoon(false); // asked for just as this thread was finishing
    }
  }

  private void load() {
    long changesBefore = changes.get();
    try {
      KnownWriters known = loader.load();
      if (changes.get() == changesBefore) { // else it may predate a change: the next load will tell
        proof = Proof.of(new Lookup(known), known);
        notFound.removeIf(known::hasFunction);
      }
    } catch (SQLException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "lsnwait: cannot read the functions of " + name + " ("
          + e.getMessage() + "); calls of functions count as writes meanwhile");
    } finally {
      lastLoad = System.nanoTime();
    }
  }

  /** The custom settings ({@code app.tenant}) that functions setting the session name, as last proved. */
  public Set<String> customSettings() {
    KnownWriters known = proof.known();
    return known != null ? known.customSettings() : Set.of();
  }

  /** Whether something is proved now (a read of the catalog since the last change). */
  public boolean isLoaded() {
    return proof.known() != null;
  }

  /** What a load proved, asking the server again, later, about a function it did not know of. */
  private final class Lookup implements WriteLookup {

    private final KnownWriters known;

    Lookup(KnownWriters known) {
      this.known = known;
    }

    @Override
    public boolean functionMayWrite(String function) {
      if (!known.functionMayWrite(function)) {
        return false;
      }
      if (!known.hasFunction(function) && notFound.add(function)) {
        loadSoon(false); // made since? If the next load does not know it either, it is not a function
      }
      return true;
    }

    @Override
    public boolean relationMayWrite(String relation) {
      return known.relationMayWrite(relation);
    }

    @Override
    public boolean attributeMayWrite(String name) {
      return known.attributeMayWrite(name); // a column's name, most often: no reload for names it does not know
    }

    @Override
    public boolean functionWritesElsewhere(String function) {
      return known.functionWritesElsewhere(function);
    }

    @Override
    public boolean functionSetsSession(String function) {
      return known.functionSetsSession(function) || !known.hasFunction(function); // made since the load: it may
    }

    @Override
    public boolean everyReadMayWrite() {
      return known.everyReadMayWrite();
    }
  }
}

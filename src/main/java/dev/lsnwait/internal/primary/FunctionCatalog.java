package dev.lsnwait.internal.primary;

import dev.lsnwait.internal.server.SideConnection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Which functions of one primary's database can write, learned off the write path: a function whose every overload
 * is {@code STABLE} or {@code IMMUTABLE} cannot (PostgreSQL refuses writes in them), a {@code VOLATILE} one may. It
 * is read in the background when the first primary connection opens, and again (at most once a second) when a
 * statement calls a function it does not know yet; until then, an unknown function counts as one that writes.
 */
public final class FunctionCatalog {

  /** {@code proname}, and whether every overload is non-volatile. */
  public static final String QUERY =
      "SELECT proname, bool_and(provolatile <> 'v') FROM pg_catalog.pg_proc GROUP BY proname";

  /** Volatile built-ins that change no data: their calls do not make a read a write. */
  private static final Set<String> HARMLESS_VOLATILE = Set.of(
      "random", "random_normal", "setseed", "clock_timestamp", "timeofday", "gen_random_uuid", "uuidv4", "uuidv7",
      "uuid_generate_v1", "uuid_generate_v4", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "set_config",
      "txid_current", "pg_current_xact_id", "txid_current_if_assigned", "pg_current_xact_id_if_assigned",
      "pg_backend_pid", "pg_cancel_backend", "pg_notify", "pg_advisory_lock", "pg_advisory_unlock",
      "pg_advisory_xact_lock", "pg_try_advisory_lock", "pg_try_advisory_xact_lock", "pg_advisory_lock_shared",
      "pg_advisory_unlock_shared", "pg_advisory_xact_lock_shared", "pg_advisory_unlock_all",
      "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock_shared", "pg_current_wal_lsn",
      "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn", "pg_is_in_recovery", "pg_last_wal_replay_lsn",
      "pg_postmaster_start_time", "inet_server_addr", "inet_server_port", "pg_stat_get_activity",
      "pg_stat_clear_snapshot", "pg_size_pretty");

  private static final System.Logger LOG = System.getLogger("dev.lsnwait.primary");
  private static final long RELOAD_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int MAX_REMEMBERED = 4096;

  private final String serverName;
  private final Supplier<SideConnection> connections;
  private volatile Set<String> readOnly = Set.of();
  private volatile Set<String> writing = Set.of();
  private final Set<String> notFound = ConcurrentHashMap.newKeySet();
  /** Classified statements, by text: applications run the same few hundred again and again. */
  private final ConcurrentHashMap<String, SqlEffect> effects = new ConcurrentHashMap<>();
  private final AtomicBoolean loading = new AtomicBoolean();
  private volatile long lastLoad;
  private volatile boolean again;
  private volatile boolean loaded;

  public FunctionCatalog(String serverName, Supplier<SideConnection> connections) {
    this.serverName = serverName;
    this.connections = connections;
  }

  /** What {@code sql} may do, remembered while what is known of the functions stays the same. */
  public SqlEffect classify(String sql) {
    SqlEffect effect = effects.get(sql);
    if (effect == null) {
      effect = SqlScanner.classify(sql, this);
      if (effects.size() >= MAX_REMEMBERED) {
        effects.clear();
      }
      effects.put(sql, effect);
    }
    return effect;
  }

  /** Whether a call of {@code name} (as PostgreSQL folds it) may write; asks the server, later, about new names. */
  boolean mayWrite(String name) {
    if (readOnly.contains(name) || HARMLESS_VOLATILE.contains(name)) {
      return false;
    }
    if (!writing.contains(name) && !notFound.contains(name)) {
      if (loaded) {
        notFound.add(name); // asked once: if the reload does not know it either, it is not a function
      }
      loadSoon();
    }
    return true;
  }

  /**
   * Loads in the background, at least a second after the last load; a request while a load runs makes it load once
   * more when it is done (the function asked about may have been created after it began).
   */
  public void loadSoon() {
    again = true;
    if (!loading.compareAndSet(false, true)) {
      return;
    }
    Thread thread = new Thread(this::loadWhileWanted, "lsnwait-catalog[" + serverName + "]");
    thread.setDaemon(true);
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
        long wait = lastLoad == 0 ? 0 : lastLoad + RELOAD_GAP_NANOS - System.nanoTime();
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
      loadSoon(); // asked for just as this thread was finishing
    }
  }

  private void load() {
    try (SideConnection connection = connections.get()) {
      Set<String> safe = new HashSet<>();
      Set<String> unsafe = new HashSet<>();
      try (ResultSet rows = connection.statement().executeQuery()) {
        while (rows.next()) {
          (rows.getBoolean(2) ? safe : unsafe).add(rows.getString(1));
        }
      }
      readOnly = Set.copyOf(safe);
      writing = Set.copyOf(unsafe);
      notFound.removeIf(name -> safe.contains(name) || unsafe.contains(name));
      loaded = true;
      effects.clear(); // classified with less knowledge
    } catch (SQLException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "lsnwait: cannot read the functions of " + serverName + " ("
          + e.getMessage() + "); calls of functions count as writes meanwhile");
    } finally {
      lastLoad = System.nanoTime();
    }
  }

  /** Whether the catalog was read at least once. */
  public boolean isLoaded() {
    return loaded;
  }
}

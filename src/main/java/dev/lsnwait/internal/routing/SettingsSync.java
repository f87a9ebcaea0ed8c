package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.primary.SettingNames;
import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Session settings made with SQL ({@code SET}, {@code RESET}, {@code set_config()}, {@code DISCARD ALL}; a Hikari
 * {@code connectionInitSql}, a tenant's {@code search_path} or row-level policy setting, {@code SET ROLE}), which
 * pgjdbc's one session would keep for every later statement. Such SQL runs on the primary; before a replica's
 * session is next used for read-only work, it is brought to what the primary's session then holds, read from the
 * server once per change (so savepoints and failed or chained transactions need no bookkeeping here):
 * {@code RESET ALL}, then the session user, every setting whose source is the session, the custom ones the SQL
 * named, and the role. A replica that refuses is left out of this connection's read-only work until the settings
 * change again; its address stays usable for every other connection. A call of a function whose source sets the
 * session counts as such SQL, and the custom settings its source names are copied too ({@code FunctionCatalog}).
 */
final class SettingsSync {

  /**
   * The primary's session user (set first: it resets the role), its settings made in the session (by name; not
   * those of the transaction, nor {@code idle_session_timeout}: a replica's connection idles longer), then the custom
   * ones SQL named ({@code app.tenant}: {@code pg_settings} does not list them), its role (set last), and whether
   * its default isolation is serializable (a standby refuses to read so: read on the primary).
   */
  private static final String READ = "SELECT pg_catalog.array_agg(n ORDER BY o, n),"
      + " pg_catalog.array_agg(v ORDER BY o, n), pg_catalog.current_setting('role'),"
      + " pg_catalog.current_setting('default_transaction_isolation') OPERATOR(pg_catalog.=) 'serializable' FROM ("
      + "SELECT 0 AS o, 'session_authorization' AS n, pg_catalog.session_user()::text AS v"
      + " UNION ALL SELECT 1, name, setting FROM pg_catalog.pg_settings WHERE source OPERATOR(pg_catalog.=) 'session'"
      + " AND name <> ALL ('{role,session_authorization,transaction_isolation,transaction_read_only,"
      + "transaction_deferrable,idle_session_timeout}'::text[])"
      + " UNION ALL SELECT 2, c, pg_catalog.current_setting(c, true) FROM pg_catalog.unnest(?::text[]) AS c"
      + " WHERE c <> ALL (ARRAY(SELECT name FROM pg_catalog.pg_settings))) s WHERE v IS NOT NULL";
  private static final int MAX_NAMES = 1000;
  private static final String MAKE =
      "SELECT pg_catalog.count(pg_catalog.set_config(n, v, false))"
          + " FROM ROWS FROM (pg_catalog.unnest(?::text[]), pg_catalog.unnest(?::text[])) AS s(n, v)";

  private final ProxyConnection primary;
  private long changes; // SQL that may have changed the primary's session settings, counted
  private final Set<String> customNames = new LinkedHashSet<>();
  private final Map<ProxyConnection, Long> brought = new IdentityHashMap<>(); // replica: changes it has (-: refused)
  private long readAt = -1; // the changes the primary's settings below were read at
  private final List<String> names = new ArrayList<>();
  private final List<String> values = new ArrayList<>();
  private boolean serializable;
  private Set<String> catalogNames = Set.of(); // the custom settings functions name, as the last read used them

  SettingsSync(ProxyConnection primary) {
    this.primary = primary;
  }

  /** SQL that may change session settings is about to run: notes the custom settings it names. */
  void named(String sql) {
    for (String name : SettingNames.in(sql)) {
      if (customNames.size() < MAX_NAMES) {
        customNames.add(name);
      }
    }
  }

  /** SQL that may change session settings ran (or failed) somewhere. */
  void changed() {
    changes++;
  }

  /**
   * Whether {@code replica}'s session has the primary's settings, bringing them there now if not (one read on the
   * primary, two round trips on the replica, bounded by {@code boundMillis}); false: read on the primary.
   */
  boolean ready(ProxyConnection replica, int boundMillis) {
    if (changes == 0) {
      return true; // nothing made with SQL: the JDBC setters made every session alike
    }
    Set<String> named = primary.customSettingNames();
    if (!named.equals(catalogNames)) {
      catalogNames = named; // the catalog learned of functions that set others: copy those too
      changes++;
    }
    Long had = brought.get(replica);
    if (had != null && Math.abs(had) == changes) {
      return had > 0;
    }
    brought.keySet().removeIf(SettingsSync::closed); // replicas reopened since
    try {
      if (primary.inTransaction() || replica.inTransaction()) {
        return false; // not recorded: placement happens outside transactions, pgjdbc's own work may not
      }
      if (readAt != changes) {
        readPrimary(); // once per change, for every replica
        readAt = changes;
      }
      if (!serializable && !replica.readGate().pooled()) { // a pooler would lend the settings to other clients
        OwnConnection.bounded(replica, boundMillis, server -> make(server, names, values));
        brought.put(replica, changes);
        return true;
      }
    } catch (SQLException e) {
      // refused (a role or setting it has not replayed, or may not set): left out until the settings change
    }
    brought.put(replica, -changes);
    return false;
  }

  /** The primary's session settings, and its role last (set last, as a role may not set what its login may). */
  private void readPrimary() throws SQLException {
    readAt = -1;
    names.clear();
    values.clear();
    Set<String> custom = new LinkedHashSet<>(customNames);
    custom.addAll(catalogNames); // those functions the SQL calls set
    OwnConnection.ask(primary, server -> {
      try (PreparedStatement read = server.prepareStatement(READ)) {
        read.setArray(1, server.createArrayOf("text", custom.toArray()));
        ResultSet row = read.executeQuery();
        row.next();
        names.addAll(Arrays.asList((String[]) row.getArray(1).getArray()));
        values.addAll(Arrays.asList((String[]) row.getArray(2).getArray()));
        if (!"none".equals(row.getString(3))) {
          names.add("role");
          values.add(row.getString(3));
        }
        serializable = row.getBoolean(4);
        return null;
      }
    });
  }

  private static Void make(Connection server, List<String> names, List<String> values) throws SQLException {
    try {
      try (Statement reset = server.createStatement()) {
        reset.execute("RESET ALL; RESET ROLE");
      }
      try (PreparedStatement set = server.prepareStatement(MAKE)) {
        Array nameArray = server.createArrayOf("text", names.toArray());
        Array valueArray = server.createArrayOf("text", values.toArray());
        set.setArray(1, nameArray);
        set.setArray(2, valueArray);
        set.executeQuery().close();
      }
    } finally {
      if (!server.isClosed() && !server.getAutoCommit()) {
        server.commit(); // make them stick, and leave the replica idle
      }
    }
    return null;
  }

  private static boolean closed(ProxyConnection member) {
    try {
      return member.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }
}

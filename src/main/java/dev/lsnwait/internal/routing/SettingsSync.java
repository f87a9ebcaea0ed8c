package dev.lsnwait.internal.routing;

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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.core.BaseConnection;

/**
 * Session settings made with SQL ({@code SET}, {@code RESET}, {@code set_config()}, {@code DISCARD ALL}; a Hikari
 * {@code connectionInitSql}, a tenant's {@code search_path} or row-level policy setting, {@code SET ROLE}), which
 * pgjdbc's one session would keep for every later statement. Such SQL runs on the primary; before a replica's
 * session is next used for read-only work, it is brought to what the primary's session then holds, read from the
 * server (so savepoints, failed transactions and functions need no bookkeeping here): {@code RESET ALL}, then every
 * setting whose source is the session, then the role. A replica that refuses is left out of this connection's
 * read-only work until the settings change again; its address stays usable for every other connection.
 */
final class SettingsSync {

  /**
   * The primary's settings made in the session (by name), then the custom ones SQL named ({@code app.tenant}: they are
   * not in {@code pg_settings}), and its role.
   */
  private static final String READ = "SELECT coalesce(array_agg(n ORDER BY o, n), '{}'),"
      + " coalesce(array_agg(v ORDER BY o, n), '{}'), pg_catalog.current_setting('role') FROM ("
      + "SELECT 1 AS o, name::text AS n, setting AS v FROM pg_catalog.pg_settings WHERE source = 'session'"
      + " AND name NOT IN ('role', 'session_authorization') AND name NOT LIKE 'transaction\\_%'"
      + " UNION ALL SELECT 2, c, pg_catalog.current_setting(c, true) FROM pg_catalog.unnest(?::text[]) AS c) s"
      + " WHERE v IS NOT NULL";
  /** Custom settings ({@code app.tenant}) that SET, RESET or set_config() name. */
  private static final Pattern CUSTOM = Pattern.compile(
      "(?:\\b(?:SET|RESET)\\s+(?:SESSION\\s+)?|set_config\\s*\\(\\s*')\"?([A-Za-z_][\\w$]*\\.[\\w$.]+)",
      Pattern.CASE_INSENSITIVE);
  private static final int MAX_NAMES = 1000;
  private static final String MAKE =
      "SELECT count(pg_catalog.set_config(n, v, false))"
          + " FROM ROWS FROM (pg_catalog.unnest(?::text[]), pg_catalog.unnest(?::text[])) AS s(n, v)";

  private final ProxyConnection primary;
  private long changes; // SQL that may have changed the primary's session settings, counted
  private final Set<String> customNames = new LinkedHashSet<>();
  private final Map<ProxyConnection, Long> brought = new IdentityHashMap<>(); // replica: changes it has (-: refused)

  SettingsSync(ProxyConnection primary) {
    this.primary = primary;
  }

  /** SQL that may change session settings is about to run: notes the custom settings it names. */
  void named(String sql) {
    Matcher custom = CUSTOM.matcher(sql);
    while (custom.find() && customNames.size() < MAX_NAMES) {
      customNames.add(custom.group(1).toLowerCase(Locale.ROOT)); // PostgreSQL ignores a setting name's case
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
    Long had = brought.get(replica);
    if (had != null && Math.abs(had) == changes) {
      return had > 0;
    }
    brought.keySet().removeIf(SettingsSync::closed); // replicas reopened since
    boolean made = bring(replica, boundMillis);
    brought.put(replica, made ? changes : -changes);
    return made;
  }

  private boolean bring(ProxyConnection replica, int boundMillis) {
    try {
      if (primary.inTransaction() || replica.inTransaction()) {
        return false; // not reached: placement happens outside transactions
      }
      List<String> names = new ArrayList<>();
      List<String> values = new ArrayList<>();
      readPrimary(names, values);
      BaseConnection server = replica.unwrap(BaseConnection.class); // lsnwait's hooks would wait for a position
      int own = server.getNetworkTimeout();
      server.setNetworkTimeout(Runnable::run, own > 0 ? Math.min(own, boundMillis) : boundMillis);
      try {
        make(server, names, values);
      } finally {
        if (!server.isClosed()) {
          server.setNetworkTimeout(Runnable::run, own);
        }
      }
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** The primary's session settings, and its role last (set last, as a role may not set what its login may). */
  private void readPrimary(List<String> names, List<String> values) throws SQLException {
    Connection server = (Connection) primary.unwrap(BaseConnection.class);
    try (PreparedStatement read = server.prepareStatement(READ)) {
      read.setArray(1, server.createArrayOf("text", customNames.toArray()));
      ResultSet row = read.executeQuery();
      row.next();
      names.addAll(Arrays.asList((String[]) row.getArray(1).getArray()));
      values.addAll(Arrays.asList((String[]) row.getArray(2).getArray()));
      if (!"none".equals(row.getString(3))) {
        names.add("role");
        values.add(row.getString(3));
      }
    } finally {
      if (!server.getAutoCommit()) {
        server.rollback(); // the read began a transaction: the application's begins with its next statement
      }
    }
  }

  private static void make(Connection server, List<String> names, List<String> values) throws SQLException {
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
  }

  private static boolean closed(ProxyConnection member) {
    try {
      return member.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }
}

package dev.lsnwait.internal.routing;

import dev.lsnwait.internal.proxy.ProxyConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * Session settings made with SQL ({@code SET}, {@code RESET}; a Hikari {@code connectionInitSql}, a tenant's
 * {@code search_path}) instead of JDBC setters. pgjdbc has one server session; a routing connection has one per
 * server, so a setting that took effect on one (at once in auto-commit, at commit in a transaction) is made on every
 * other open member, and kept ({@link SessionState#sqlSettings}) for members opened later: read-only work on a
 * replica sees the settings the application made, wherever they ran.
 */
final class SqlSettings {

  /** The setting a single SET or RESET names: its key, so that a setting made on every request is kept once. */
  private static final Pattern NAMED = Pattern.compile(
      "(SET|RESET)\\s+(?:SESSION\\s+)?(\"(?:[^\"]|\"\")*\"|[A-Za-z_][\\w.$]*(?:\\s+ZONE)?)(?:[\\s=].*)?",
      Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  private final Members members;
  private final SessionState state;
  private final List<String> pending = new ArrayList<>(); // made in the open transaction
  private ProxyConnection pendingOn;

  SqlSettings(Members members, SessionState state) {
    this.members = members;
    this.state = state;
  }

  /** {@code sql} (only SET and RESET of the session) ran on {@code member}, which may still be in a transaction. */
  void made(String sql, ProxyConnection member) throws SQLException {
    if (member.inTransaction()) {
      pending.add(sql);
      pendingOn = member;
    } else {
      spread(sql, member);
    }
  }

  /** The transaction ended: what it set took effect if it committed, and was undone if not. */
  void ended(boolean committed) throws SQLException {
    if (pending.isEmpty()) {
      return;
    }
    List<String> made = new ArrayList<>(pending);
    ProxyConnection origin = pendingOn;
    pending.clear();
    pendingOn = null;
    if (committed) {
      for (String sql : made) {
        spread(sql, origin);
      }
    }
  }

  /** Makes the setting on every other open member and keeps it for members opened later. */
  private void spread(String sql, ProxyConnection origin) throws SQLException {
    keep(sql, state.sqlSettings);
    for (ProxyConnection member : members.open()) {
      if (member == origin) {
        continue;
      }
      try {
        make(member, sql);
      } catch (SQLException e) {
        if (!members.isReplica(member)) {
          throw new SQLException("lsnwait: the primary refused a setting made on a replica (" + sql + "): "
              + e.getMessage(), e.getSQLState(), e);
        }
        members.dropBroken(member, "refused a setting made elsewhere: " + e.getMessage()); // reads go elsewhere
      }
    }
  }

  /** Makes the settings kept on a member that just opened (before its auto-commit is set: no transaction). */
  static void makeAll(Connection member, Map<String, String> kept) throws SQLException {
    for (String sql : kept.values()) {
      make(member, sql);
    }
  }

  /** Runs {@code sql} on the member's own pgjdbc connection: lsnwait's hooks would wait for a position. */
  private static void make(Connection member, String sql) throws SQLException {
    Connection server = (Connection) member.unwrap(PGConnection.class);
    try (Statement statement = server.createStatement()) {
      statement.execute(sql);
    }
    if (!server.getAutoCommit()) {
      server.commit(); // the SET began a transaction: make it stick, and leave the member idle
    }
  }

  /** Keeps {@code sql} by the setting it names: RESET ALL forgets them all, RESET one forgets that one. */
  static void keep(String sql, Map<String, String> kept) {
    String one = sql.strip().replaceAll(";+$", "");
    Matcher named = NAMED.matcher(one);
    if (one.contains(";") || !named.matches()) {
      kept.remove(sql);
      kept.put(sql, sql); // several statements: kept whole, latest last
      return;
    }
    String name = named.group(2);
    if (name.startsWith("\"")) {
      name = name.substring(1, name.length() - 1).replace("\"\"", "\"");
    }
    String key = name.replaceAll("\\s+", " ").toLowerCase(Locale.ROOT); // PostgreSQL ignores a setting name's case
    if (named.group(1).equalsIgnoreCase("RESET")) {
      if (key.equals("all")) {
        kept.clear();
      } else {
        kept.remove(key); // a member opened later has the default
      }
      return;
    }
    kept.remove(key);
    kept.put(key, sql);
  }
}

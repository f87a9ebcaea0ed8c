package dev.lsnwait.internal.primary;

import dev.lsnwait.internal.server.SideConnection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What lsnwait reads of one database's catalog to learn which reads may write: its functions, the queries that run
 * when a relation is read (a view's, a row-level policy's), and the functions behind its own operators and casts.
 * Any user can read all of it.
 */
record CatalogRows(List<Routine> routines, List<RelationQuery> relations, List<Long> operatorFunctions) {

  /**
   * A function or procedure.
   *
   * @param builtIn made by initdb (OID below 16384): PostgreSQL's own
   * @param sqlBody the body of a {@code LANGUAGE sql} function not built in (empty for {@code BEGIN ATOMIC}), else null
   * @param domainTyped it takes or returns a domain whose check calls a function that may write (the check runs
   *     when a value is coerced to it)
   * @param callsDblink not built in, and its source names dblink: it may commit rows in another session
   * @param settingsSource not built in, and its source may set the session's settings ({@code set_config}, {@code SET
   *     ROLE}, {@code SET search_path}, a custom setting): the source, else null
   */
  record Routine(long oid, String name, boolean nonVolatile, boolean builtIn, String language, boolean aggregate,
      String sqlBody, boolean domainTyped, boolean callsDblink, String settingsSource) {}

  /**
   * A query that runs when {@code relation} is read: a view's, or {@code SELECT} of a row-level policy's condition;
   * or when a value is cast to a domain so named: {@code SELECT} of its check, or a cast to the domain it is over.
   */
  record RelationQuery(String relation, String query) {}

  /**
   * The functions, one row per overload: the query a catalog's side connection prepares. A domain counts when a
   * check of it, or of a domain it is over, calls a function that is not PostgreSQL's own or is volatile.
   */
  static final String ROUTINES = "WITH RECURSIVE w(oid) AS (SELECT k.contypid FROM pg_catalog.pg_constraint k"
      + " JOIN pg_catalog.pg_depend e ON e.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass"
      + " AND e.objid = k.oid AND e.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass"
      + " JOIN pg_catalog.pg_proc f ON f.oid = e.refobjid WHERE k.contypid <> 0"
      + " AND (f.oid >= 16384 OR f.provolatile = 'v')"
      + " UNION SELECT t.oid FROM pg_catalog.pg_type t JOIN w ON t.typbasetype = w.oid)"
      + " SELECT p.oid, p.proname, p.provolatile <> 'v', p.oid < 16384, l.lanname,"
      + " p.prokind = 'a', CASE WHEN l.lanname = 'sql' AND p.oid >= 16384 THEN p.prosrc END,"
      + " coalesce(p.prorettype = ANY (d.oids) OR p.proargtypes::pg_catalog.oid[] OPERATOR(pg_catalog.&&) d.oids,"
      + " false), p.oid >= 16384 AND p.prosrc OPERATOR(pg_catalog.~~*) '%dblink%',"
      + " CASE WHEN p.oid >= 16384 AND p.prosrc OPERATOR(pg_catalog.~*) 'set_config|\\mset\\s+(session\\s+)?"
      + "(role|search_path|session\\s+authorization|\"?[a-z_][a-z0-9_$]*\\.)' THEN p.prosrc END"
      + " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang"
      + " CROSS JOIN (SELECT pg_catalog.array_agg(w.oid) AS oids FROM w) d";
  /**
   * The queries that run when a relation is read. A view counts as the functions (operators' too) and relations its
   * query depends on ({@code pg_depend}), not as its printed definition: printing one locks the relations it reads,
   * and an application's {@code LOCK TABLE ... NOWAIT} then failed where it would not without lsnwait (PostgreSQL's
   * regression scripts found it).
   */
  private static final String RELATIONS = "SELECT c.relname, 'SELECT ' || coalesce((SELECT pg_catalog.string_agg("
      + "pg_catalog.quote_ident(f.proname) || '()', ', ') FROM pg_catalog.pg_depend d"
      + " LEFT JOIN pg_catalog.pg_operator o ON d.refclassid = 'pg_catalog.pg_operator'::pg_catalog.regclass"
      + " AND o.oid = d.refobjid JOIN pg_catalog.pg_proc f ON f.oid = CASE WHEN d.refclassid ="
      + " 'pg_catalog.pg_proc'::pg_catalog.regclass THEN d.refobjid ELSE o.oprcode::pg_catalog.oid END"
      + " WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid), '1')"
      + " || coalesce(' FROM ' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(x.relname), ', ')"
      + " FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class x ON x.oid = d.refobjid"
      + " WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid"
      + " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND x.oid <> c.oid), '')"
      + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'"
      + " WHERE c.relkind = 'v' AND c.oid >= 16384"
      + " UNION ALL SELECT c.relname, 'SELECT ' || pg_catalog.pg_get_expr(p.polqual, p.polrelid)"
      + " FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid WHERE p.polqual IS NOT NULL"
      + " UNION ALL SELECT t.typname, 'SELECT ' || pg_catalog.pg_get_expr(k.conbin, 0)"
      + " FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_type t ON t.oid = k.contypid WHERE k.contype = 'c'"
      + " UNION ALL SELECT t.typname, 'SELECT NULL::' || pg_catalog.quote_ident(b.typname)"
      + " FROM pg_catalog.pg_type t JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype"
      + " WHERE t.typtype = 'd' AND b.typtype = 'd'";
  private static final String OPERATOR_FUNCTIONS =
      "SELECT o.oprcode::pg_catalog.oid FROM pg_catalog.pg_operator o WHERE o.oid >= 16384"
      + " UNION ALL SELECT c.castfunc FROM pg_catalog.pg_cast c WHERE c.oid >= 16384 AND c.castfunc <> 0";

  /**
   * The transaction the catalog is read in. It should take no lock on the application's relations (see
   * {@link #RELATIONS}); should it wait for one anyway, it would hold what it took already, and the application's next
   * lock could deadlock, PostgreSQL's check failing whichever began waiting first. So the read gives up at once (well
   * within the default {@code deadlock_timeout} of a second) and is tried again later; meanwhile every read counts as
   * a write. READ
   * COMMITTED: under the session's defaults (SERIALIZABLE, READ ONLY, DEFERRABLE) it would wait for a safe snapshot.
   * All {@code LOCAL}: a transaction pooler hands the server connection on unchanged.
   */
  private static final String BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY; SET LOCAL lock_timeout = 50";

  /** Reads it on {@code connection}, prepared with {@link #ROUTINES}, in one transaction (see {@link #BEGIN}). */
  static CatalogRows read(SideConnection connection) throws SQLException {
    Statement plain = connection.plainStatement();
    plain.execute(BEGIN);
    try {
      CatalogRows rows = readInTransaction(connection, plain);
      plain.execute("COMMIT");
      return rows;
    } catch (SQLException | RuntimeException e) {
      try {
        plain.execute("ROLLBACK");
      } catch (SQLException again) {
        e.addSuppressed(again); // the connection is closed after the read anyway
      }
      throw e;
    }
  }

  private static CatalogRows readInTransaction(SideConnection connection, Statement plain) throws SQLException {
    List<Routine> routines = new ArrayList<>();
    try (ResultSet rows = connection.statement().executeQuery()) {
      while (rows.next()) {
        routines.add(new Routine(rows.getLong(1), rows.getString(2), rows.getBoolean(3), rows.getBoolean(4),
            rows.getString(5), rows.getBoolean(6), rows.getString(7), rows.getBoolean(8), rows.getBoolean(9),
            rows.getString(10)));
      }
    }
    List<RelationQuery> relations = new ArrayList<>();
    try (ResultSet rows = plain.executeQuery(RELATIONS)) {
      while (rows.next()) {
        relations.add(new RelationQuery(rows.getString(1), rows.getString(2)));
      }
    }
    List<Long> operatorFunctions = new ArrayList<>();
    try (ResultSet rows = plain.executeQuery(OPERATOR_FUNCTIONS)) {
      while (rows.next()) {
        operatorFunctions.add(rows.getLong(1));
      }
    }
    return new CatalogRows(routines, relations, operatorFunctions);
  }
}

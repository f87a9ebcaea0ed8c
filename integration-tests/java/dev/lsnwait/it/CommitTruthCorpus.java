package dev.lsnwait.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * SQL for {@link CommitTruthIT}: a grammar-driven generator over statement kinds (queries, data changes, DDL,
 * utility statements, EXPLAIN, COPY, procedures, {@code DO}), dressed as applications and tools write them
 * (comments of both kinds, line ends, letter case, quoting and dollar-quoting, names that look like keywords,
 * several statements in one string), plus hand-written cases. Everything runs against {@link #FIXTURE}.
 */
final class CommitTruthCorpus {

  /**
   * One statement (or string of statements), and the rule that made it: false positives are counted by rule. Names
   * it creates hold {@code {m}} (numbers {@code {k}}), for the runner to make them its own.
   */
  record Case(String rule, String sql) {
    /** The SQL with its names made distinct for {@code runner} (0, 1, 2, ...). */
    String sqlFor(int runner) {
      return sql.replace("{m}", "r" + runner).replace("{k}", Integer.toString(runner + 1));
    }

    boolean isCopy() {
      return rule.equals("copy") || sql.startsWith("COPY");
    }
  }

  /** Tables, functions of each volatility and language, procedures, views and a trigger, in schema {@code dt}. */
  static final List<String> FIXTURE = List.of(
      "CREATE SCHEMA dt",
      "CREATE TABLE dt.items (id int PRIMARY KEY, note text, n int DEFAULT 0)",
      "INSERT INTO dt.items SELECT g, 'n' || g, g FROM generate_series(1, 200) g",
      "CREATE TABLE dt.log (id bigserial PRIMARY KEY, what text)",
      "CREATE SEQUENCE dt.seq",
      "CREATE TABLE dt.\"insert\" (\"update\" int, \"select\" text)",
      "CREATE FUNCTION dt.sql_reads() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM dt.items'",
      "CREATE FUNCTION dt.sql_volatile_reads() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM dt.items'",
      "CREATE FUNCTION dt.sql_writes() RETURNS bigint LANGUAGE sql"
          + " AS 'INSERT INTO dt.log (what) VALUES (''sql'') RETURNING id'",
      "CREATE FUNCTION dt.sql_calls_writer() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT dt.sql_writes()'",
      "CREATE FUNCTION dt.plpgsql_reads() RETURNS bigint LANGUAGE plpgsql STABLE"
          + " AS $$BEGIN RETURN (SELECT count(*) FROM dt.items); END$$",
      "CREATE FUNCTION dt.plpgsql_writes() RETURNS bigint LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES ('plpgsql'); RETURN 1; END$$",
      "CREATE FUNCTION dt.stable_calls_writer() RETURNS bigint LANGUAGE plpgsql STABLE"
          + " AS $$BEGIN RETURN dt.plpgsql_writes(); END$$",
      "CREATE FUNCTION dt.immutable_sql(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 1'",
      "CREATE FUNCTION dt.maybe_writes(w boolean) RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN IF w THEN INSERT INTO dt.log (what) VALUES ('maybe'); END IF; RETURN 1; END$$",
      "CREATE FUNCTION dt.filter(x int) RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES ('filter'); RETURN x; END$$",
      "CREATE FUNCTION dt.partition(x int) RETURNS int LANGUAGE sql"
          + " AS 'INSERT INTO dt.log (what) VALUES (''partition'') RETURNING x'",
      "CREATE FUNCTION dt.range(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x'",
      "CREATE FUNCTION dt.\"Quoted Writer\"() RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES ('quoted'); RETURN 1; END$$",
      "CREATE FUNCTION dt.atomic_reads() RETURNS bigint LANGUAGE sql STABLE"
          + " BEGIN ATOMIC SELECT count(*) FROM dt.items; END",
      "CREATE PROCEDURE dt.proc_writes() LANGUAGE sql AS $$INSERT INTO dt.log (what) VALUES ('proc')$$",
      "CREATE PROCEDURE dt.proc_reads() LANGUAGE plpgsql AS $$BEGIN PERFORM 1; END$$",
      "CREATE VIEW dt.v_plain AS SELECT id, note FROM dt.items",
      "CREATE VIEW dt.v_writes AS SELECT dt.plpgsql_writes() AS w",
      "CREATE VIEW dt.v_over_writes AS SELECT * FROM dt.v_writes",
      "CREATE VIEW dt.v_sql_reads AS SELECT dt.sql_reads() AS n",
      "CREATE TABLE dt.audited (id int)",
      "CREATE FUNCTION dt.audit() RETURNS trigger LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES (TG_OP); RETURN NEW; END$$",
      "CREATE TRIGGER audited_insert BEFORE INSERT ON dt.audited FOR EACH ROW EXECUTE FUNCTION dt.audit()",
      // Calls that hide: functional notation, keyword-like names when qualified, domains' checks, non-ASCII names
      "CREATE FUNCTION dt.touched(i dt.items) RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES ('touched'); RETURN i.id; END$$",
      "CREATE FUNCTION dt.order(x int) RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES ('order'); RETURN x; END$$",
      "CREATE FUNCTION dt.fetch(x int) RETURNS SETOF int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES ('fetch'); RETURN NEXT x; END$$",
      "CREATE DOMAIN dt.checked AS int CHECK (dt.plpgsql_writes() = 1)",
      "CREATE DOMAIN dt.rechecked AS dt.checked",
      "CREATE DOMAIN dt.positive AS int CHECK (VALUE > 0)",
      "CREATE FUNCTION dt.takes_checked(x dt.checked) RETURNS int LANGUAGE sql STABLE SET search_path = dt"
          + " AS 'SELECT x'", // not inlined: the caller coerces its argument to dt.checked, and the check runs
      "CREATE FUNCTION dt.w€() RETURNS int LANGUAGE plpgsql"
          + " AS $$BEGIN INSERT INTO dt.log (what) VALUES ('€'); RETURN 1; END$$");

  /** Functions a query may call: built-in and user-made, reading and writing. */
  private static final List<String> CALLS = List.of("count(*)", "lower(note)", "now()", "random()",
      "length(note)", "coalesce(n, 0)", "nextval('dt.seq')", "currval('dt.seq')", "setval('dt.seq', 5)",
      "txid_current()", "pg_current_xact_id_if_assigned()", "pg_backend_pid()", "clock_timestamp()",
      "gen_random_uuid()", "pg_notify('c', 'x')", "pg_advisory_xact_lock(1)", "set_config('x.y', 'z', true)",
      "dt.sql_reads()", "dt.sql_volatile_reads()", "dt.sql_writes()", "dt.sql_calls_writer()",
      "dt.plpgsql_reads()", "dt.plpgsql_writes()", "dt.stable_calls_writer()", "dt.immutable_sql(id)",
      "dt.maybe_writes(false)", "dt.maybe_writes(true)", "dt.filter(1)", "dt.partition(2)", "dt.range(3)",
      "dt.\"Quoted Writer\"()", "dt.atomic_reads()", "sql_reads()", "plpgsql_writes()", "filter(4)",
      "partition(5)", "range(6)", "lo_from_bytea(0, 'x')", "to_char(now(), 'YYYY')", "upper('insert into')",
      "format('%s', 'delete')", "jsonb_build_object('update', 1)", "md5(note)", "abs(n)",
      "items.touched", "(items).touched", "dt.order(1)", "dt.fetch(2)", "1::dt.checked", "CAST(1 AS dt.rechecked)",
      "3::dt.positive", "dt.takes_checked(1)", "table_to_xml('dt.v_writes', true, false, '')",
      "table_to_xml('dt.v_plain', true, false, '')", "dt.w€()");
  private static final List<String> RELATIONS = List.of("dt.items", "items", "dt.v_plain", "v_plain",
      "dt.v_writes", "dt.v_over_writes", "dt.v_sql_reads", "dt.\"insert\"", "\"insert\"", "dt.log");
  private static final List<String> LOCKS = List.of("FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE",
      "FOR KEY SHARE", "FOR UPDATE SKIP LOCKED", "FOR SHARE NOWAIT");

  private final Random random;
  private int unique;

  CommitTruthCorpus(long seed) {
    this.random = new Random(seed);
  }

  /** {@code count} generated cases, then the hand-written ones. */
  List<Case> cases(int count) {
    List<Rule> rules = rules();
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Rule rule = rules.get(random.nextInt(rules.size()));
      String sql = rule.make.apply(random);
      if (random.nextInt(4) == 0 && !rule.name.equals("copy")) { // several statements in one string
        Rule second = rules.get(random.nextInt(rules.size() - 1)); // COPY last: it runs alone
        sql = sql + ";" + pick(List.of(" ", "\n", "", " /* ; */ ")) + second.make.apply(random);
        cases.add(new Case(rule.name + "+" + second.name, dress(sql)));
      } else {
        cases.add(new Case(rule.name, dress(sql)));
      }
    }
    for (String sql : HAND_WRITTEN) {
      cases.add(new Case("hand-written", sql));
    }
    return cases;
  }

  private record Rule(String name, Function<Random, String> make) {}

  private List<Rule> rules() {
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule("select", r -> "SELECT " + pick(CALLS) + " FROM " + pick(RELATIONS.subList(0, 2))
        + " WHERE id = " + id()));
    rules.add(new Rule("select-relation", r -> "SELECT * FROM " + pick(RELATIONS) + " LIMIT 1"));
    rules.add(new Rule("select-lock", r -> "SELECT id FROM dt.items WHERE id = " + id() + " " + pick(LOCKS)));
    rules.add(new Rule("select-calls", r -> "SELECT " + pick(CALLS) + ", " + pick(CALLS) + " FROM dt.items"
        + " WHERE id IN (" + id() + ", " + id() + ")"));
    rules.add(new Rule("select-into", r -> "SELECT * INTO TEMP t_into_" + (++unique) + "_{m} FROM dt.items LIMIT 1"));
    rules.add(new Rule("cte-dml", r -> pick(List.of(
        "WITH moved AS (DELETE FROM dt.log WHERE id = " + id() + " RETURNING *) SELECT count(*) FROM moved",
        "WITH added AS (INSERT INTO dt.log (what) VALUES ('cte') RETURNING id) SELECT * FROM added",
        "WITH changed AS (UPDATE dt.items SET n = n + 1 WHERE id = " + id() + " RETURNING id) TABLE changed",
        "WITH r AS (SELECT " + pick(CALLS) + " FROM dt.items LIMIT 1) SELECT * FROM r",
        "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 3) SELECT * FROM r"))));
    rules.add(new Rule("values", r -> pick(List.of("VALUES (1), (2)", "TABLE dt.v_plain LIMIT 1",
        "VALUES (" + pick(CALLS).replace("note", "'x'").replace("(n,", "(1,").replace("(id)", "(1)")
            .replace("(*)", "(1)").replace("abs(n)", "abs(1)") + ")"))));
    rules.add(new Rule("dml", r -> pick(List.of(
        "INSERT INTO dt.log (what) VALUES ('dml')",
        "INSERT INTO dt.items VALUES ({k}" + (10000 + ++unique) + ", 'new') RETURNING id",
        "INSERT INTO dt.items VALUES (1, 'dup') ON CONFLICT DO NOTHING",
        "INSERT INTO dt.items VALUES (" + id() + ", 'up') ON CONFLICT (id) DO UPDATE SET note = excluded.note",
        "UPDATE dt.items SET n = n + 1 WHERE id = " + id(),
        "UPDATE dt.items SET n = n WHERE false",
        "DELETE FROM dt.log WHERE id = " + id(),
        "DELETE FROM dt.items WHERE id < 0",
        "MERGE INTO dt.items i USING (VALUES (" + id() + ")) v(id) ON i.id = v.id"
            + " WHEN MATCHED THEN UPDATE SET n = i.n + 1",
        "INSERT INTO dt.audited VALUES (1)",
        "INSERT INTO dt.\"insert\" (\"update\", \"select\") VALUES (1, 'select')",
        "update dt.\"insert\" set \"select\" = 'delete' where \"update\" = 1",
        "TRUNCATE dt.audited"))));
    rules.add(new Rule("ddl", r -> pick(List.of(
        "CREATE TEMP TABLE t_tmp_" + (++unique) + "_{m} (id int)",
        "CREATE TABLE dt.t_made_" + (++unique) + "_{m} (id int)",
        "CREATE INDEX ON dt.log (what)",
        "COMMENT ON TABLE dt.log IS 'log " + (++unique) + "'",
        "ALTER TABLE dt.items ALTER COLUMN n SET DEFAULT " + r.nextInt(10),
        "CREATE OR REPLACE VIEW dt.v_made_" + (++unique) + "_{m} AS SELECT 1 AS one",
        "CREATE OR REPLACE FUNCTION dt.f_made_" + (++unique) + "_{m}() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "DROP TABLE IF EXISTS dt.never_there",
        "DROP VIEW IF EXISTS dt.never_there",
        "ANALYZE dt.items",
        "GRANT SELECT ON dt.items TO PUBLIC",
        "LOCK TABLE dt.log IN ACCESS EXCLUSIVE MODE",
        "LOCK TABLE dt.log IN SHARE MODE"))));
    rules.add(new Rule("utility", r -> pick(List.of("SET search_path = dt, public", "SHOW search_path",
        "RESET work_mem", "SET LOCAL work_mem = '8MB'", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "SET TRANSACTION READ ONLY", "LISTEN c", "UNLISTEN *", "NOTIFY c", "NOTIFY c, 'payload'",
        "DISCARD PLANS", "DISCARD SEQUENCES", "DISCARD TEMP", "SELECT 1", "CHECKPOINT",
        "PREPARE p_" + (++unique) + "_{m} AS SELECT 1", "DEALLOCATE ALL", "LOAD 'plpgsql'"))));
    rules.add(new Rule("prepared", r -> {
      String name = "q_" + (++unique) + "_{m}";
      String body = pick(List.of("SELECT " + pick(CALLS) + " FROM dt.items WHERE id = $1",
          "INSERT INTO dt.log (what) VALUES ($1::text)", "UPDATE dt.items SET n = n WHERE id = $1"));
      return "PREPARE " + name + " AS " + body + "; EXECUTE " + name + "(" + id() + "); DEALLOCATE " + name;
    }));
    rules.add(new Rule("explain", r -> "EXPLAIN " + pick(List.of("", "ANALYZE ", "ANALYSE ", "(ANALYZE, BUFFERS) ",
        "(ANALYZE false) ", "(COSTS off) ", "VERBOSE ", "(analyse) ")) + pick(List.of(
        "SELECT " + pick(CALLS) + " FROM dt.items WHERE id = " + id(),
        "INSERT INTO dt.log (what) VALUES ('explained')",
        "DELETE FROM dt.log WHERE id = " + id(),
        "SELECT * FROM dt.v_writes",
        "CREATE TABLE dt.t_explained_" + (++unique) + "_{m} AS SELECT 1 AS one"))));
    rules.add(new Rule("call-do", r -> pick(List.of("CALL dt.proc_writes()", "CALL dt.proc_reads()",
        "DO $$BEGIN PERFORM 1; END$$", "DO $$BEGIN INSERT INTO dt.log (what) VALUES ('do'); END$$",
        "DO $body$BEGIN IF false THEN DELETE FROM dt.log; END IF; END$body$",
        "DO LANGUAGE plpgsql 'BEGIN PERFORM dt.plpgsql_writes(); END'"))));
    rules.add(new Rule("literals", r -> pick(List.of(
        "SELECT 'INSERT INTO dt.log VALUES (1)' AS text",
        "SELECT $$DELETE FROM dt.items$$, $x$UPDATE$x$",
        "SELECT E'it\\'s an UPDATE', 'a''b; DELETE FROM t'",
        "SELECT \"update\", \"select\" FROM dt.\"insert\"",
        "SELECT 1 AS \"insert\", 2 AS \"delete\"",
        "SELECT U&'\\0041' AS \"into\""))));
    rules.add(new Rule("copy", r -> pick(List.of("COPY dt.items TO STDOUT", "COPY (SELECT * FROM dt.v_plain) TO STDOUT",
        "COPY (SELECT " + pick(CALLS) + " FROM dt.items LIMIT 2) TO STDOUT",
        "COPY (DELETE FROM dt.log WHERE id = " + id() + " RETURNING *) TO STDOUT",
        "COPY (INSERT INTO dt.log (what) VALUES ('copy') RETURNING id) TO STDOUT (FORMAT csv)",
        "COPY (SELECT * FROM dt.items WHERE id = 1 FOR UPDATE) TO STDOUT",
        "COPY dt.log (what) FROM STDIN"))));
    return rules;
  }

  /** Comments, line ends, letter case and spacing, as applications and tools write SQL. */
  private String dress(String sql) {
    String dressed = sql;
    switch (random.nextInt(8)) {
      case 0 -> dressed = "/* app:" + random.nextInt(100) + " */ " + dressed;
      case 1 -> dressed = "-- a note; INSERT\n" + dressed;
      case 2 -> dressed = "-- a note, then a carriage return\r" + dressed;
      case 3 -> dressed = dressed + " -- trailing; DELETE";
      case 4 -> dressed = "  \n\t" + dressed + " ;";
      case 5 -> dressed = "/* nested /* DELETE */ comment */" + dressed;
      default -> {
        // as it is
      }
    }
    if (random.nextInt(5) == 0 && !dressed.contains("'") && !dressed.contains("\"") && !dressed.contains("$")) {
      dressed = random.nextBoolean() ? dressed.toLowerCase(java.util.Locale.ROOT)
          : dressed.toUpperCase(java.util.Locale.ROOT);
    }
    return dressed;
  }

  private String pick(List<String> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  private String id() {
    return Integer.toString(1 + random.nextInt(200));
  }

  /** Cases from the issue and from reading PostgreSQL's grammar, as users wrote them. */
  private static final List<String> HAND_WRITTEN = List.of(
      "EXPLAIN ANALYSE INSERT INTO dt.log (what) VALUES ('british')",
      "EXPLAIN ANALYZE CREATE TABLE dt.t_hand_1_{m} AS SELECT 1 AS one",
      "PREPARE hand_{m} AS INSERT INTO dt.log (what) VALUES ('p'); EXPLAIN ANALYZE EXECUTE hand_{m};"
          + " DEALLOCATE hand_{m}",
      "SELECT 1; -- note\rINSERT INTO dt.log (what) VALUES ('cr')",
      "SELECT 1 -- note\r; DELETE FROM dt.log WHERE id = 1",
      "SELECT partition(5)",
      "SELECT filter(1)",
      "SELECT count(*) FILTER (WHERE id > 1) FROM dt.items",
      "SELECT range(1)",
      "SELECT * FROM dt.v_writes",
      "SELECT * FROM v_over_writes",
      "SELECT dt.stable_calls_writer()",
      "select \"Quoted Writer\"()",
      "SELECT nextval('dt.seq')",
      "SELECT id FROM dt.items WHERE id = 3 FOR KEY SHARE",
      "SELECT pg_notify('c', 'x')",
      "SELECT lo_from_bytea(0, 'abc')",
      "SELECT txid_current()",
      "WITH x AS MATERIALIZED (SELECT dt.sql_writes()) SELECT 1",
      "SELECT (SELECT dt.plpgsql_writes())",
      "SELECT * FROM dt.items WHERE id = (SELECT dt.partition(1))",
      "SELECT sql_calls_writer()",
      "SELECT 1 WHERE EXISTS (SELECT dt.filter(2))",
      "SELECT * FROM ROWS FROM (dt.partition(3))",
      "SELECT * FROM dt.filter(4)",
      "VALUES (dt.sql_writes())",
      "SELECT CASE WHEN random() < 2 THEN dt.maybe_writes(true) END",
      "SELECT dt.maybe_writes(id = 1) FROM dt.items WHERE id < 3",
      "SELECT atomic_reads()",
      "select * from dt.items where note ~ 'insert into'",
      "SHOW transaction_isolation",
      "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
      "INSERT INTO dt.audited SELECT 1 WHERE false",
      "DECLARE c1 CURSOR FOR SELECT dt.plpgsql_writes(); FETCH c1; CLOSE c1",
      "DECLARE c2 CURSOR FOR SELECT * FROM dt.items FOR UPDATE; FETCH 2 FROM c2; CLOSE c2",
      "SAVEPOINT s1; INSERT INTO dt.log (what) VALUES ('sp'); RELEASE SAVEPOINT s1",
      "SAVEPOINT s2; INSERT INTO dt.log (what) VALUES ('sp'); ROLLBACK TO SAVEPOINT s2",
      "SELECT set_config('search_path', 'dt, public', true)",
      "SELECT pg_advisory_xact_lock(7), pg_try_advisory_xact_lock(8)",
      "SELECT * FROM generate_series(1, 3) WITH ORDINALITY",
      "TABLE dt.v_writes",
      "SELECT 'x' AS \"SELECT\"; SELECT dt.sql_writes()",
      "/* SELECT */ INSERT INTO dt.log (what) VALUES ('commented')",
      "SELECT $tag$ ; INSERT INTO x $tag$ , dt.sql_reads()",
      "SELECT dt.sql_reads() + dt.sql_volatile_reads()",
      "SELECT * FROM dt.v_sql_reads",
      "EXPLAIN (\"analyze\") INSERT INTO dt.log (what) VALUES ('quoted option')",
      "SELECT * FROM dt.fetch(1)",
      "SELECT i.touched FROM dt.items i WHERE id = 1",
      "SELECT (i).touched FROM dt.items i WHERE id = 2",
      "COPY (SELECT dt.order(3)) TO STDOUT",
      "SELECT 1::dt.rechecked",
      "SELECT dt.takes_checked(4)",
      "SELECT 5::dt.positive",
      "SELECT table_to_xml('dt.v_writes', true, false, '')",
      "SELECT schema_to_xml('dt', true, false, '') IS NOT NULL",
      "SELECT dt.w€()");
}

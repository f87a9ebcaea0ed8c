package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SqlScannerTest {

  /**
   * Knows count, lower, now, numeric, random and clock_timestamp as read-only (as {@link WriterRules} judges
   * PostgreSQL's own), add_note as one that may write, nothing else; no relation writes.
   */
  private static final KnownWriters FUNCTIONS = FunctionCatalogTest.known(java.util.Map.of("count", true,
      "lower", true, "now", true, "numeric", true, "random", true, "clock_timestamp", true, "add_note", false),
      java.util.Set.of());

  private static SqlEffect effect(String sql) {
    return SqlScanner.classify(sql, FUNCTIONS);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT 1",
      "select count(*) from notes where id = ?",
      "  /* hint */ SELECT lower(note) FROM notes -- trailing",
      "(SELECT 1) UNION (SELECT 2)",
      "SELECT * FROM t WHERE id IN (1, 2) AND EXISTS (SELECT 1 FROM u)",
      "SELECT x::numeric(10,2), CAST(y AS varchar(20)) FROM t",
      "WITH r AS (SELECT 1) SELECT * FROM r",
      "VALUES (1), (2)",
      "TABLE notes",
      "SHOW transaction_isolation",
      "EXPLAIN INSERT INTO t VALUES (1)",
      "SELECT 'INSERT INTO t', $$DELETE FROM x$$, E'it\\'s UPDATE', \"insert\" FROM t",
      "SELECT now(), random(), clock_timestamp()",
      "SET search_path = app",
      "BEGIN",
      "COPY t TO STDOUT",
      "SELECT count(*) FILTER (WHERE x > 1) OVER (PARTITION BY y ORDER BY z ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)"
          + " FROM t",
      "SELECT count(*) OVER (RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), now() AT TIME ZONE 'UTC' FROM t",
      "SELECT * FROM lower('x') WITH ORDINALITY",
      "SELECT count(*) OVER (GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
      "COPY (SELECT lower(note) FROM notes WHERE id IN (1, 2)) TO STDOUT WITH (FORMAT csv)",
      "COPY (SELECT * FROM t) TO STDOUT",
      ""})
  void reads(String sql) {
    SqlEffect effect = effect(sql);
    assertFalse(effect.mayWrite(), sql);
    assertFalse(effect.commits(), sql);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "INSERT INTO t VALUES (1)",
      "update t set a = 1",
      "DELETE FROM t",
      "MERGE INTO t USING u ON true WHEN MATCHED THEN DELETE",
      "CALL add(1)",
      "DO $$ BEGIN INSERT INTO t VALUES (1); END $$",
      "CREATE TABLE x (id int)",
      "TRUNCATE t",
      "WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved",
      "SELECT * INTO copy_of_t FROM t",
      "SELECT add_note(1)",
      "SELECT app.add_note(1)",
      "SELECT unknown_function(1)",
      "SELECT \"Quoted\"(1)",
      "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
      "EXPLAIN ANALYSE INSERT INTO t VALUES (1)",
      "SELECT partition(5)",
      "SELECT filter(1)",
      "select range(1), rows(2), groups(3)",
      "SELECT at(4)",
      "SELECT x FROM t WHERE zone(1) > 0",
      "COPY (DELETE FROM t RETURNING *) TO STDOUT",
      "copy (insert into t values (1) returning id) to stdout (format csv)",
      "COPY (UPDATE t SET x = 1 RETURNING x) TO STDOUT",
      "COPY (SELECT add_note(1)) TO STDOUT",
      "explain (analyse, buffers) delete from t",
      "EXPLAIN ANALYZE CREATE TABLE t2 AS SELECT 1",
      "EXPLAIN ANALYZE EXECUTE p",
      "EXPLAIN (ANALYZE) EXECUTE p(1)",
      "SELECT 1; -- note\rINSERT INTO t VALUES (1)",
      "SELECT 1 -- note\r; DELETE FROM t",
      "EXPLAIN (ANALYZE, BUFFERS) SELECT add_note(1)",
      "SELECT nextval('s')",
      "COPY t FROM STDIN",
      "SELECT 1; INSERT INTO t VALUES (1)",
      "EXECUTE prepared_plan(1)",
      "BEGIN; INSERT INTO t VALUES (1, 'x'); COMMIT; SELECT 1/0",
      "SET x = 1; UPDATE t SET a = 1",
      "BEGIN;INSERT INTO t VALUES (1)",
      "SELECT * FROM t FOR UPDATE",
      "SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED",
      "select * from t for share",
      "SELECT * FROM t FOR KEY SHARE NOWAIT",
      "COPY (SELECT * FROM t FOR UPDATE) TO STDOUT",
      "NOTIFY channel, 'x'",
      "DISCARD TEMP",
      "SELECT pg_notify('c', 'x')",
      "SELECT txid_current()",
      "SELECT api.order(1)", // a keyword-like name, qualified, is a call
      "SELECT * FROM jobs.fetch(10)",
      "SELECT app . values ()",
      "SELECT app./* c */filter(1)",
      "SELECT t.add_note FROM t", // functional notation: add_note(t)
      "SELECT (t).add_note FROM t",
      "EXPLAIN (\"analyze\") INSERT INTO t VALUES (1)",
      "SELECT add_note€()", // PostgreSQL takes any non-ASCII character into a name
      "SELECT $€$ ' $€$, add_note(), 'x'",
      "COPY (SELECT 1) TO STDOUT; SELECT count\u2003()"}) // an em space belongs to a name
  void writes(String sql) {
    assertTrue(effect(sql).mayWrite(), sql);
  }

  @Test
  void withNonStandardStringsABackslashQuoteHidesNoCall() {
    String sql = "SELECT '\\'', add_note(1), '\\''";
    assertTrue(SqlScanner.classify(sql, FUNCTIONS, true).mayWrite(), sql);
    assertFalse(SqlScanner.classify("SELECT '\\', count(*)", FUNCTIONS, false).mayWrite());
  }

  @Test
  void aRelationWhoseReadingWritesIsAWriteInACopyToo() {
    KnownWriters policed = FunctionCatalogTest.known(java.util.Map.of("count", true), java.util.Set.of("policed"));
    assertTrue(SqlScanner.classify("COPY policed TO STDOUT", policed).mayWrite());
    assertTrue(SqlScanner.classify("SELECT 1::policed", policed).mayWrite(), "a domain whose check writes");
    assertFalse(SqlScanner.classify("COPY plain TO STDOUT (FORMAT csv)", policed).mayWrite());
  }

  @Test
  void keywordLikeWordsUnqualifiedAreNoCalls() {
    assertFalse(effect("SELECT x FROM t WHERE y IN (1) ORDER BY z LIMIT (2)").mayWrite());
    assertFalse(effect("SELECT t.x, s.count FROM t, s").mayWrite(), "columns after a dot");
  }

  @Test
  void transactionEnds() {
    assertEquals(new SqlEffect(false, true, false, false), effect("COMMIT"));
    assertEquals(new SqlEffect(false, true, false, false), effect("end transaction"));
    assertEquals(new SqlEffect(false, true, false, true), effect("COMMIT AND CHAIN"));
    assertEquals(new SqlEffect(false, true, false, false), effect("COMMIT AND NO CHAIN"));
    assertEquals(new SqlEffect(false, false, true, false), effect("ROLLBACK"));
    assertEquals(new SqlEffect(false, false, true, true), effect("ROLLBACK AND CHAIN"));
    assertEquals(SqlEffect.RECOVERS, effect("ROLLBACK TO SAVEPOINT s"));
    assertEquals(new SqlEffect(true, true, false, false), effect("COMMIT PREPARED 'gid'"));
    assertEquals(SqlEffect.READ, effect("ROLLBACK PREPARED 'gid'"));
    assertEquals(new SqlEffect(false, false, true, false), effect("PREPARE TRANSACTION 'gid'"));
    SqlEffect commitThenFail = effect("COMMIT; SELECT 1/0");
    assertTrue(commitThenFail.commits());
    assertFalse(commitThenFail.mayWrite());
  }

  @Test
  void sqlThatMayMakeATransactionReadWriteIsTold() {
    assertTrue(effect("SET TRANSACTION READ WRITE").mayLeaveReadOnly());
    assertTrue(effect("set transaction isolation level serializable, read write").mayLeaveReadOnly());
    assertTrue(effect("SET transaction_read_only = off").mayLeaveReadOnly());
    assertTrue(effect("SET LOCAL default_transaction_read_only TO false").mayLeaveReadOnly());
    assertTrue(effect("SELECT 1; SET TRANSACTION READ WRITE").mayLeaveReadOnly());
    assertFalse(effect("SET TRANSACTION READ ONLY").mayLeaveReadOnly());
    assertFalse(effect("SET search_path = app").mayLeaveReadOnly());
    assertFalse(effect("SET TRANSACTION READ WRITE").mayWrite(), "the SET itself changes no data");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 1'",
      "create function f() returns int language sql as $$ select 1 $$",
      "CREATE TEMP VIEW v AS SELECT 1",
      "CREATE OR REPLACE TEMPORARY RECURSIVE VIEW v (n) AS SELECT 1",
      "ALTER FUNCTION f() VOLATILE",
      "ALTER TABLE v RENAME TO w",
      "DROP FUNCTION f()",
      "CREATE POLICY p ON t USING (f())",
      "CREATE EXTENSION pgcrypto",
      "DO $$ BEGIN EXECUTE 'CREATE FUNCTION g() RETURNS int LANGUAGE sql AS ''SELECT 1'''; END $$",
      "ALTER VIEW v RENAME COLUMN a TO b",
      "alter extension pgcrypto update",
      "SELECT 1; CREATE VIEW v AS SELECT 1"})
  void sqlThatMayChangeWhichReadsWriteIsTold(String sql) {
    assertTrue(effect(sql).mayChangeWriters(), sql);
    assertTrue(effect(sql).mayWrite(), sql);
  }

  @ParameterizedTest
  @ValueSource(strings = {"CREATE TABLE t (id int)", "CREATE TEMP TABLE t AS SELECT 1", "DROP TABLE t",
      "CREATE INDEX ON t (id)", "INSERT INTO t VALUES (1)", "ALTER TABLE t ADD COLUMN c int", "CALL process()"})
  void sqlThatLeavesWhichReadsWriteAloneIsTold(String sql) {
    assertFalse(effect(sql).mayChangeWriters(), sql);
  }

  @Test
  void unterminatedLiteralsAndCommentsEndTheText() {
    assertFalse(effect("SELECT 'open").mayWrite());
    assertFalse(effect("SELECT 1 /* open").mayWrite());
    assertFalse(effect("SELECT $$open").mayWrite());
  }

  @Test
  void aHoldableCursorOverAWritingQueryWritesOutOfSightOfTheQuestionAtCommit() {
    assertTrue(effect("DECLARE c CURSOR WITH HOLD FOR SELECT add_note()").writesUnseen());
    assertTrue(effect("declare c no scroll cursor with hold for select * from t, add_note()").writesUnseen());
    assertTrue(effect("DECLARE c CURSOR FOR SELECT add_note()").mayWrite());
    assertFalse(effect("DECLARE c CURSOR FOR SELECT add_note()").writesUnseen(), "closed at COMMIT, never run");
    assertFalse(effect("DECLARE c CURSOR WITH HOLD FOR SELECT count(*) FROM t").mayWrite());
    assertFalse(effect("DECLARE c CURSOR WITHOUT HOLD FOR SELECT add_note()").writesUnseen());
    assertFalse(effect("SELECT add_note() FROM (SELECT 1 AS hold) x WHERE true").writesUnseen());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "CREATE TEMP TABLE x (a int)",
      "create temporary view v as select 1",
      "CREATE GLOBAL TEMPORARY TABLE x (a int)",
      "CREATE UNLOGGED TABLE pg_temp.x (a int)",
      "CREATE TEMP SEQUENCE s",
      "CREATE TEMP TABLE x AS SELECT * FROM t",
      "SELECT * INTO TEMP x FROM t",
      "select a into temporary table x from t",
      "DECLARE c CURSOR WITH HOLD FOR SELECT count(*) FROM t",
      "SELECT 1; CREATE TEMP TABLE x (a int)",
      "PREPARE q AS SELECT 1",
      "DEALLOCATE ALL",
      "LISTEN ch",
      "unlisten *",
      "CREATE TABLE x (a int)", // pg_temp may come first in the search path
      "SELECT * INTO pg_temp.x FROM t",
      "SELECT a INTO x FROM t",
      "EXPLAIN ANALYZE CREATE TEMP TABLE x AS SELECT 1",
      "DO $$ BEGIN CREATE TEMP TABLE x (a int); END $$"})
  void statementsThatMayMakeWhatOnlyThisSessionHasOrActOnIt(String sql) {
    assertTrue(effect(sql).holdsSession(), sql);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT temp FROM t",
      "WITH n AS (SELECT 1) INSERT INTO t SELECT * FROM n",
      "WITH n AS (INSERT INTO t VALUES (1) RETURNING a) SELECT * FROM n",
      "EXPLAIN CREATE TABLE x AS SELECT 1",
      "DECLARE c CURSOR FOR SELECT 1",
      "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
      "DROP TABLE x",
      "CLOSE c"})
  void statementsThatMakeNothingOnlyThisSessionHas(String sql) {
    assertFalse(effect(sql).holdsSession(), sql);
  }

  @Test
  void statementsThatMayDropWhatOnlyThisSessionHas() {
    for (String sql : List.of("DROP TABLE x", "drop view if exists v", "DISCARD ALL", "DISCARD TEMP", "CLOSE c",
        "CLOSE ALL")) {
      assertTrue(effect(sql).mayFreeSession(), sql);
    }
    assertFalse(effect("CLOSE c").mayWrite(), "closing a cursor changes no data");
    assertFalse(effect("DISCARD PLANS").mayFreeSession());
    assertFalse(effect("SELECT 1").mayFreeSession());
    assertFalse(effect("CREATE TEMP TABLE x (a int)").mayFreeSession());
    assertTrue(effect("CREATE TEMP TABLE x (a int)").mayWrite(), "as any CREATE");
    assertFalse(effect("DECLARE c CURSOR WITH HOLD FOR SELECT 1").mayWrite(), "a read, held by the session");
    assertFalse(effect("LISTEN ch").mayWrite());
    assertFalse(effect("PREPARE q AS INSERT INTO t VALUES (1)").mayWrite(), "prepares, runs nothing");
    assertFalse(effect("PREPARE TRANSACTION 'gid'").holdsSession());
  }

  @Test
  void settingsOfTheSessionAreToldFromThoseOfTheTransaction() {
    for (String sql : List.of("SET search_path = app, public", "set session statement_timeout to '5s'",
        "SET ROLE reader", "RESET ALL", "reset search_path", "SET TIME ZONE 'UTC'",
        "SET app.tenant = '42'; SET application_name = 'x';", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SET search_path = app; SELECT 1")) {
      assertTrue(effect(sql).setsSession(), sql);
      assertFalse(effect(sql).mayWrite(), sql);
    }
    for (String sql : List.of("SELECT set_config('a.b', 'c', false)", "DISCARD ALL", "DO $$ BEGIN END $$",
        "SELECT set_config('a.b', ?, ?)", "SELECT set_config('a.b', 'c', is_local(true))")) {
      assertTrue(effect(sql).setsSession(), sql);
    }
    for (String sql : List.of("SET LOCAL search_path = app", "SET TRANSACTION READ ONLY",
        "SET CONSTRAINTS ALL DEFERRED", "SELECT current_setting('a.b')", "SHOW search_path", ";",
        "SELECT set_config('app.tenant', ?, true)", "select set_config('a.b', lower(?), TRUE) from t")) {
      assertFalse(effect(sql).setsSession(), sql);
    }
  }
}

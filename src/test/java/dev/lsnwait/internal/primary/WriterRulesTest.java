package dev.lsnwait.internal.primary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lsnwait.internal.primary.CatalogRows.RelationQuery;
import dev.lsnwait.internal.primary.CatalogRows.Routine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriterRulesTest {

  private final List<Routine> routines = new ArrayList<>();
  private final List<RelationQuery> relations = new ArrayList<>();
  private final List<Long> operatorFunctions = new ArrayList<>();
  private long oid = 20000;

  private long builtIn(String name, boolean nonVolatile) {
    routines.add(new Routine(++oid - 10000, name, nonVolatile, true, "internal", false, null, false, false, null));
    return oid - 10000;
  }

  private long user(String name, boolean nonVolatile, String language, String sqlBody) {
    routines.add(new Routine(++oid, name, nonVolatile, false, language, false, sqlBody, false, false, null));
    return oid;
  }

  private KnownWriters judge() {
    return WriterRules.judge(new CatalogRows(routines, relations, operatorFunctions));
  }

  @Test
  void postgresOwnFunctionsThatCannotWriteAreProved() {
    builtIn("lower", true);
    builtIn("random", false); // volatile, but on the list of those that change no data
    builtIn("nextval", false);
    builtIn("txid_current", true); // STABLE, yet it takes a transaction ID
    KnownWriters known = judge();
    assertFalse(known.functionMayWrite("lower"));
    assertFalse(known.functionMayWrite("random"));
    assertTrue(known.functionMayWrite("nextval"));
    assertTrue(known.functionMayWrite("txid_current"));
    assertTrue(known.functionMayWrite("never_heard_of"));
  }

  @Test
  void aUserFunctionInAProceduralLanguageIsNotTrustedWhateverItsVolatility() {
    user("stable_plpgsql", true, "plpgsql", null);
    user("immutable_c", true, "c", null);
    user("volatile_c", false, "c", null);
    user("uuid_generate_v4", false, "c", null);
    KnownWriters known = judge();
    assertTrue(known.functionMayWrite("stable_plpgsql"), "may call a volatile function, which may write");
    assertFalse(known.functionMayWrite("immutable_c"));
    assertTrue(known.functionMayWrite("volatile_c"));
    assertFalse(known.functionMayWrite("uuid_generate_v4"));
  }

  @Test
  void aUserOverloadOfABuiltInNameThatMayWriteMakesTheNameWrite() {
    builtIn("lower", true);
    user("lower", false, "plpgsql", null);
    assertTrue(judge().functionMayWrite("lower"));
  }

  @Test
  void sqlFunctionsAreJudgedByTheirBodiesNestedOrNot() {
    builtIn("count", true);
    builtIn("nextval", false);
    user("reads", false, "sql", "SELECT count(*) FROM t");
    user("calls_reads", true, "sql", "SELECT reads() + 1");
    user("writes", true, "sql", "SELECT nextval('s')");
    user("calls_writes", true, "sql", "SELECT writes()");
    user("inserts", false, "sql", "INSERT INTO t VALUES (1) RETURNING 1");
    user("atomic", true, "sql", "");
    KnownWriters known = judge();
    assertFalse(known.functionMayWrite("reads"));
    assertFalse(known.functionMayWrite("calls_reads"));
    assertTrue(known.functionMayWrite("writes"));
    assertTrue(known.functionMayWrite("calls_writes"));
    assertTrue(known.functionMayWrite("inserts"));
    assertTrue(known.functionMayWrite("atomic"), "a BEGIN ATOMIC body is not read");
  }

  @Test
  void viewsAndPoliciesThatCallWritersMakeTheirRelationsWrite() {
    builtIn("count", true);
    user("audit", false, "plpgsql", null);
    relations.add(new RelationQuery("plain_view", "SELECT count(*) AS count FROM t;"));
    relations.add(new RelationQuery("audited", "SELECT audit() AS audit;"));
    relations.add(new RelationQuery("over_audited", "SELECT * FROM audited;"));
    relations.add(new RelationQuery("guarded", "SELECT audit()"));
    KnownWriters known = judge();
    assertFalse(known.relationMayWrite("plain_view"));
    assertTrue(known.relationMayWrite("audited"));
    assertTrue(known.relationMayWrite("over_audited"));
    assertTrue(known.relationMayWrite("guarded"));
    assertFalse(known.relationMayWrite("t"));
  }

  @Test
  void operatorsOrCastsOfFunctionsThatMayWriteMakeEveryReadWrite() {
    long safe = user("safe_op", true, "c", null);
    operatorFunctions.add(safe);
    assertFalse(judge().everyReadMayWrite());
    operatorFunctions.add(user("writing_cast", false, "plpgsql", null));
    assertTrue(judge().everyReadMayWrite());
  }

  @Test
  void builtInsThatReadRelationsNamedInTheirArgumentsAreNotTrusted() {
    builtIn("table_to_xml", true); // STABLE: reads a view given by name, and the view may call a writer
    builtIn("schema_to_xml", true);
    KnownWriters known = judge();
    assertTrue(known.functionMayWrite("table_to_xml"));
    assertTrue(known.functionMayWrite("schema_to_xml"));
  }

  @Test
  void domainsWhoseChecksCallWritersWriteWhenCastToAndSoDoFunctionsTakingDomains() {
    builtIn("lower", true);
    user("audit", false, "plpgsql", null);
    relations.add(new RelationQuery("checked", "SELECT (audit() = 1)"));
    relations.add(new RelationQuery("rechecked", "SELECT NULL::checked"));
    relations.add(new RelationQuery("positive", "SELECT (VALUE > 0)"));
    routines.add(new Routine(++oid, "takes_domain", true, false, "sql", false, "SELECT 1", true, false, null));
    KnownWriters known = judge();
    assertTrue(known.relationMayWrite("checked"));
    assertTrue(known.relationMayWrite("rechecked"), "a domain over a domain runs its checks");
    assertFalse(known.relationMayWrite("positive"));
    assertTrue(known.functionMayWrite("takes_domain"), "a value coerced to its parameter runs the check");
  }

  @Test
  void aNameAfterADotMayCallAWritingFunction() {
    user("touched", false, "plpgsql", null);
    builtIn("lower", true);
    KnownWriters known = judge();
    assertTrue(known.attributeMayWrite("touched"));
    assertFalse(known.attributeMayWrite("lower"));
    assertFalse(known.attributeMayWrite("some_column"));
  }

  @Test
  void userAggregatesAreNotTrusted() {
    routines.add(new Routine(30000, "my_sum", true, false, "internal", true, null, false, false, null));
    assertTrue(judge().functionMayWrite("my_sum"));
  }

  @Test
  void aFunctionThatSetsTheSessionRunsOnThePrimaryAndNamesItsSettings() {
    builtIn("set_config", false); // on the list of those that change no data
    String body = "SELECT pg_catalog.set_config('app.tenant', t, false)";
    routines.add(new Routine(++oid, "set_tenant", false, false, "sql", false, body, false, false, body));
    user("plain", true, "sql", "SELECT 1");
    KnownWriters known = judge();
    assertTrue(known.functionMayWrite("set_tenant"), "not proved: it runs where the session's settings are kept");
    assertTrue(known.functionSetsSession("set_tenant"));
    assertFalse(known.functionSetsSession("plain"));
    assertEquals(java.util.Set.of("app.tenant"), known.customSettings());
  }
}

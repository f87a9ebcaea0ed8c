package dev.lsnwait.internal.primary;

import dev.lsnwait.internal.primary.CatalogRows.RelationQuery;
import dev.lsnwait.internal.primary.CatalogRows.Routine;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which functions and relations of a database are proved not to write, from its catalog. A function is, if it is
 * one of PostgreSQL's own that cannot write ({@code STABLE} or {@code IMMUTABLE}, or volatile and on a short list
 * that changes no data); if it is {@code STABLE} or {@code IMMUTABLE} in C (PostgreSQL refuses writes in those, and C
 * code calls no SQL in the ordinary way); or if it is {@code LANGUAGE sql} and its body, read as any statement is,
 * only reads. A {@code STABLE} function in PL/pgSQL or another procedural language is not: it may call a volatile
 * one, which may write. Aggregates made by users are not either (their step functions may write). A relation's
 * reading may write if a view's query or a row-level policy's condition may. Bodies and views name each other, so
 * the proof grows until nothing more is proved, a bounded number of rounds.
 */
final class WriterRules {

  /** Volatile built-ins that change no data and take no transaction ID: calls of them keep a read a read. */
  private static final Set<String> HARMLESS_VOLATILE = Set.of(
      "random", "random_normal", "setseed", "clock_timestamp", "timeofday", "gen_random_uuid", "uuidv4", "uuidv7",
      "pg_sleep", "pg_sleep_for", "pg_sleep_until", "set_config", "txid_current_if_assigned",
      "pg_current_xact_id_if_assigned", "pg_backend_pid", "pg_cancel_backend", "pg_advisory_lock",
      "pg_advisory_unlock", "pg_advisory_xact_lock", "pg_try_advisory_lock", "pg_try_advisory_xact_lock",
      "pg_advisory_lock_shared", "pg_advisory_unlock_shared", "pg_advisory_xact_lock_shared",
      "pg_advisory_unlock_all", "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock_shared",
      "pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn", "pg_is_in_recovery",
      "pg_last_wal_replay_lsn", "pg_postmaster_start_time", "inet_server_addr", "inet_server_port",
      "pg_stat_get_activity", "pg_stat_clear_snapshot", "pg_size_pretty", "now", "statement_timestamp",
      "transaction_timestamp");
  /** Volatile C functions of common extensions (uuid-ossp, pgcrypto) that change no data. */
  private static final Set<String> HARMLESS_VOLATILE_C = Set.of("uuid_generate_v1", "uuid_generate_v1mc",
      "uuid_generate_v4", "gen_random_bytes", "gen_salt");
  /**
   * Built-ins marked {@code STABLE} that give the transaction an ID (which the replica then replays), or read
   * relations named in their arguments (a view that calls a writing function writes).
   */
  private static final Set<String> STABLE_BUT_WRITING = Set.of("txid_current", "pg_current_xact_id",
      "table_to_xml", "table_to_xml_and_xmlschema", "schema_to_xml", "schema_to_xml_and_xmlschema",
      "database_to_xml", "database_to_xml_and_xmlschema");
  /** Languages whose code calls no SQL the ordinary way. */
  private static final Set<String> NO_SQL_LANGUAGES = Set.of("internal", "c");
  /** Rounds of proof: SQL functions and views nested deeper than this stay unproved (a spare wait, no more). */
  private static final int ROUNDS = 8;

  private WriterRules() {}

  static KnownWriters judge(CatalogRows catalog) {
    Set<Long> proved = new HashSet<>();
    Map<String, List<Routine>> byName = new HashMap<>();
    for (Routine routine : catalog.routines()) {
      byName.computeIfAbsent(routine.name(), name -> new java.util.ArrayList<>()).add(routine);
      if (provedByKind(routine)) {
        proved.add(routine.oid());
      }
    }
    Set<String> relations = new HashSet<>();
    for (RelationQuery query : catalog.relations()) {
      relations.add(query.relation()); // none proved yet
    }
    KnownWriters known = known(byName, proved, relations, catalog.operatorFunctions());
    for (int round = 0; round < ROUNDS; round++) {
      boolean grew = false;
      for (Routine routine : catalog.routines()) {
        if (!proved.contains(routine.oid()) && !routine.domainTyped() && routine.settingsSource() == null
            && reads(routine.sqlBody(), known)) {
          proved.add(routine.oid());
          grew = true;
        }
      }
      Set<String> writing = writingRelations(catalog.relations(), known);
      grew |= writing.size() < relations.size();
      relations = writing;
      known = known(byName, proved, relations, catalog.operatorFunctions());
      if (!grew) {
        break;
      }
    }
    return known;
  }

  private static boolean provedByKind(Routine routine) {
    if (routine.settingsSource() != null) {
      return false; // it runs where the session's settings are kept: the primary
    }
    if (routine.builtIn()) {
      return !STABLE_BUT_WRITING.contains(routine.name())
          && (routine.nonVolatile() || HARMLESS_VOLATILE.contains(routine.name()));
    }
    if (routine.aggregate() || routine.domainTyped() || !NO_SQL_LANGUAGES.contains(routine.language())) {
      return false;
    }
    return routine.nonVolatile() || (routine.language().equals("c") && HARMLESS_VOLATILE_C.contains(routine.name()));
  }

  private static boolean reads(String sql, WriteLookup known) {
    if (sql == null || sql.isBlank()) {
      return false; // not SQL, or a BEGIN ATOMIC body lsnwait does not read
    }
    SqlEffect effect = SqlScanner.classify(sql, known);
    return !effect.mayWrite() && !effect.commits() && !effect.rollsBack();
  }

  private static Set<String> writingRelations(List<RelationQuery> queries, WriteLookup known) {
    Set<String> writing = new HashSet<>();
    for (RelationQuery query : queries) {
      if (!writing.contains(query.relation()) && !reads(query.query(), known)) {
        writing.add(query.relation());
      }
    }
    return writing;
  }

  private static KnownWriters known(Map<String, List<Routine>> byName, Set<Long> proved, Set<String> relations,
      List<Long> operatorFunctions) {
    Set<String> readOnly = new HashSet<>();
    byName.forEach((name, overloads) -> {
      if (overloads.stream().allMatch(routine -> proved.contains(routine.oid()))) {
        readOnly.add(name);
      }
    });
    boolean operatorsMayWrite = !proved.containsAll(operatorFunctions);
    Set<String> elsewhere = new HashSet<>();
    Map<String, Set<String>> settings = new HashMap<>();
    byName.forEach((name, overloads) -> {
      if (overloads.stream().anyMatch(Routine::callsDblink)) {
        elsewhere.add(name);
      }
      for (Routine routine : overloads) {
        if (routine.settingsSource() != null) {
          settings.computeIfAbsent(name, n -> new HashSet<>()).addAll(SettingNames.in(routine.settingsSource()));
        }
      }
    });
    return new KnownWriters(readOnly, byName.keySet(), relations, operatorsMayWrite, elsewhere, settings);
  }
}

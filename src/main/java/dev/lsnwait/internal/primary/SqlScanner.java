package dev.lsnwait.internal.primary;

import java.util.Locale;
import java.util.Set;

/**
 * Tells from a SQL text, without a round trip, whether it may write and how it ends its transaction. It reads the
 * words PostgreSQL's lexer would see ({@link SqlWords}), statement by statement. A statement that starts with
 * {@code SELECT}, {@code WITH}, {@code VALUES}, {@code TABLE}, {@code SHOW}, {@code FETCH} and the like reads, unless
 * it modifies data in a {@code WITH}, creates a table ({@code SELECT INTO}), locks rows ({@code FOR UPDATE/SHARE}:
 * PostgreSQL gives it a transaction ID and logs the locks), or names a function or relation that may write
 * ({@link WriteLookup}); every statement kind it does not know may write. Wrong guesses only go one way: a read
 * taken for a write costs a wait, never a stale read.
 */
final class SqlScanner {

  /** Statements that read (their calls of functions are still checked). */
  private static final Set<String> READS = Set.of("SELECT", "WITH", "VALUES", "TABLE", "SHOW", "FETCH", "MOVE",
      "CLOSE", "DECLARE", "EXPLAIN");
  /**
   * Statements that neither read nor write data. Not {@code NOTIFY} (its queue entry takes a transaction ID) nor
   * {@code DISCARD} (see {@link #discard()}).
   */
  private static final Set<String> NEUTRAL = Set.of("SET", "RESET", "BEGIN", "START", "SAVEPOINT", "RELEASE",
      "LISTEN", "UNLISTEN", "DEALLOCATE", "PREPARE", "LOAD", "CHECKPOINT");
  /** After SET: settings of the transaction only. */
  private static final Set<String> SCOPED_SETTINGS = Set.of("LOCAL", "TRANSACTION", "CONSTRAINTS");
  /** Statements that act on the server session itself: they belong to the primary's, in read-only work too. */
  private static final Set<String> SESSION_ACTS = Set.of("PREPARE", "DEALLOCATE", "LISTEN", "UNLISTEN");
  /**
   * Statements that may change which functions or relations write, whatever they run: {@code DO} blocks (the way
   * migrations make objects conditionally) and {@code IMPORT FOREIGN SCHEMA}. Functions and procedures that run DDL
   * of their own are not followed: the catalog's periodic read bounds that.
   */
  private static final Set<String> CHANGE_WRITERS = Set.of("DO", "IMPORT");
  /** What CREATE, ALTER or DROP may define that changes which reads write. */
  private static final Set<String> WRITER_OBJECTS = Set.of("FUNCTION", "PROCEDURE", "VIEW", "POLICY", "OPERATOR",
      "CAST", "AGGREGATE", "EXTENSION", "SCHEMA", "RULE", "LANGUAGE", "TRANSFORM", "TYPE", "ROUTINE", "OWNED",
      "DOMAIN");
  /** How many words of a CREATE, ALTER or DROP may come before what it defines ({@code OR REPLACE ...}). */
  private static final int OBJECT_WORDS = 5;
  private final SqlWords words;
  private final WriteLookup known;
  private boolean writesUnseen; // a function that may commit in another session, or a holdable cursor that writes
  private boolean setsSession; // a SET or RESET of the session, DISCARD, set_config(), or a DO block

  private SqlScanner(String sql, WriteLookup known, boolean backslashQuotes) {
    this.words = new SqlWords(sql, backslashQuotes);
    this.known = known;
  }

  /** The effect of {@code sql}, with what {@code known} proves of the functions and relations it names. */
  static SqlEffect classify(String sql, WriteLookup known) {
    return classify(sql, known, false);
  }

  /** As above; {@code backslashQuotes} when {@code standard_conforming_strings} is off. */
  static SqlEffect classify(String sql, WriteLookup known, boolean backslashQuotes) {
    return new SqlScanner(sql, known, backslashQuotes).all();
  }

  private SqlEffect all() {
    SqlEffect effect = SqlEffect.READ;
    while (!words.atEnd()) {
      effect = effect.and(statement());
    }
    if (setsSession) {
      effect = effect.and(SqlEffect.SETS_SESSION);
    }
    return writesUnseen ? effect.and(SqlEffect.WRITES_UNSEEN) : effect;
  }

  /** One statement, up to and including its semicolon. */
  private SqlEffect statement() {
    String first = words.next();
    if (first == null) {
      return SqlEffect.READ; // an empty statement, or its semicolon
    }
    String kind = first.toUpperCase(Locale.ROOT);
    switch (kind) {
      case "COMMIT":
      case "END":
        return ending(true);
      case "ROLLBACK":
      case "ABORT":
        return ending(false);
      default:
        break;
    }
    if (NEUTRAL.contains(kind)) {
      String second = words.next();
      if ((kind.equals("SET") || kind.equals("RESET")) && second != null
          && !SCOPED_SETTINGS.contains(second.toUpperCase(Locale.ROOT))) {
        setsSession = true;
      }
      boolean prepareTransaction = kind.equals("PREPARE") && "TRANSACTION".equalsIgnoreCase(second);
      boolean readWrite = second != null && mayMakeReadWrite(second); // null: that was the statement's end already
      if (prepareTransaction) {
        return new SqlEffect(false, false, true, false);
      }
      if (SESSION_ACTS.contains(kind)) {
        return SqlEffect.HOLDS_SESSION; // EXECUTE and NOTIFY run on the primary; a standby refuses LISTEN
      }
      return readWrite ? SqlEffect.LEAVES_READ_ONLY : SqlEffect.READ;
    }
    if (kind.equals("COPY")) {
      return copy();
    }
    if (kind.equals("DISCARD")) {
      setsSession = true; // DISCARD ALL resets them
      return discard();
    }
    if (kind.equals("CREATE") || kind.equals("DROP") || kind.equals("ALTER")) {
      SqlEffect definition = definition(kind.equals("CREATE"));
      return kind.equals("DROP") ? definition.and(SqlEffect.FREES_SESSION) : definition;
    }
    if (!READS.contains(kind)) {
      skipStatement();
      if (!CHANGE_WRITERS.contains(kind)) {
        return SqlEffect.WRITE;
      }
      setsSession = true; // a DO block may set_config(), and make a temporary table
      return SqlEffect.CHANGES_WRITERS.and(SqlEffect.HOLDS_SESSION);
    }
    return reading(kind);
  }

  /** COMMIT / END / ROLLBACK / ABORT with their options: PREPARED, TO SAVEPOINT, AND [NO] CHAIN. */
  private SqlEffect ending(boolean commit) {
    boolean prepared = false;
    boolean toSavepoint = false;
    boolean chain = false;
    String previous = "";
    for (String next = words.next(); next != null; next = words.next()) {
      String upper = next.toUpperCase(Locale.ROOT);
      prepared |= upper.equals("PREPARED");
      toSavepoint |= upper.equals("TO");
      chain |= upper.equals("CHAIN") && !previous.equals("NO");
      previous = upper;
    }
    if (toSavepoint) {
      return SqlEffect.RECOVERS; // ROLLBACK TO SAVEPOINT: the transaction goes on, even one that had failed
    }
    if (prepared) { // ends another, prepared transaction: COMMIT PREPARED makes its writes visible
      return commit ? new SqlEffect(true, true, false, false) : SqlEffect.READ;
    }
    return new SqlEffect(false, commit, !commit, chain);
  }

  /**
   * COPY ... FROM writes; COPY (query) TO and COPY table TO read, unless the query modifies data ({@code
   * INSERT/UPDATE/DELETE/MERGE ... RETURNING}), locks rows, or names a function or relation that may write (the
   * table's row-level policy runs too), or operators may write.
   */
  private SqlEffect copy() {
    boolean writes = known.everyReadMayWrite();
    String previous = "";
    for (String next = words.next(); next != null; next = words.next()) {
      String upper = next.toUpperCase(Locale.ROOT);
      if (words.depth() == 0) {
        writes |= upper.equals("FROM") || known.relationMayWrite(fold(next));
      } else {
        writes |= queryWordMayWrite(next, upper, previous);
      }
      previous = upper;
    }
    return writes ? SqlEffect.WRITE : SqlEffect.READ;
  }

  /** A statement that reads: unless one of its words may write ({@link #queryWordMayWrite}). */
  private SqlEffect reading(String kind) {
    boolean explain = kind.equals("EXPLAIN");
    boolean declare = kind.equals("DECLARE");
    boolean writes = known.everyReadMayWrite();
    boolean analyze = false;
    boolean hold = false;
    boolean makes = false; // SELECT ... INTO, EXPLAIN ANALYZE CREATE TABLE AS: perhaps a temporary table
    String previous = "";
    for (String next = words.next(); next != null; next = words.next()) {
      String upper = next.toUpperCase(Locale.ROOT);
      hold |= declare && upper.equals("HOLD") && previous.equals("WITH") && words.depth() == 0;
      makes |= upper.equals("INTO") && words.depth() == 0 && !previous.equals("INSERT") && !previous.equals("MERGE");
      switch (next.startsWith("\"") ? fold(next).toUpperCase(Locale.ROOT) : upper) { // EXPLAIN ("analyze")
        case "ANALYZE", "ANALYSE" -> analyze |= explain; // PostgreSQL takes the British spelling too
        case "CREATE", "EXECUTE" -> { // EXPLAIN ANALYZE runs CREATE TABLE AS, or a prepared statement
          writes |= explain;
          makes |= explain;
        }
        default -> writes |= queryWordMayWrite(next, upper, previous);
      }
      previous = upper;
    }
    if (explain && !analyze) {
      return SqlEffect.READ; // a plan only: nothing runs
    }
    if (kind.equals("CLOSE")) {
      return SqlEffect.FREES_SESSION;
    }
    if (writes && hold) { // COMMIT runs a holdable cursor's query to its end, after commit()'s question
      return SqlEffect.WRITES_UNSEEN.and(SqlEffect.HOLDS_SESSION);
    }
    SqlEffect effect = writes ? SqlEffect.WRITE : SqlEffect.READ;
    return hold || makes ? effect.and(SqlEffect.HOLDS_SESSION) : effect;
  }

  /**
   * Whether a word of a query may make it write: a data-modifying {@code WITH}, {@code SELECT INTO}, a row lock
   * ({@code FOR UPDATE}, {@code FOR [KEY] SHARE}), a call of a function that may write, or a relation that may
   * (or a domain whose check may). After a dot, a name may also call a function in functional notation
   * ({@code row.f} is {@code f(row)}).
   */
  private boolean queryWordMayWrite(String word, String upper, String previous) {
    switch (upper) {
      case "INSERT", "DELETE", "MERGE", "INTO", "UPDATE":
        return true;
      case "SHARE":
        return previous.equals("FOR") || previous.equals("KEY");
      default:
        break;
    }
    if (words.followedByParenthesis()) {
      return mayWrite(word);
    }
    return known.relationMayWrite(fold(word)) || (words.qualified() && known.attributeMayWrite(fold(word)));
  }

  /**
   * DISCARD ALL or TEMP drops temporary tables (a write) and, ALL, holdable cursors; DISCARD PLANS or SEQUENCES
   * changes nothing stored.
   */
  private SqlEffect discard() {
    String what = words.next();
    skipStatement();
    return what != null && (what.equalsIgnoreCase("PLANS") || what.equalsIgnoreCase("SEQUENCES"))
        ? SqlEffect.READ
        : SqlEffect.WRITE.and(SqlEffect.FREES_SESSION);
  }

  /**
   * CREATE, ALTER or DROP: writes; of a function, view, policy and the like, or any renaming, it may also change
   * which reads write. A CREATE may make something temporary: {@code TEMP}, {@code pg_temp.}, or {@code pg_temp}
   * first in the search path.
   */
  private SqlEffect definition(boolean create) {
    boolean changesWriters = false;
    int seen = 0;
    for (String next = words.next(); next != null; next = words.next()) {
      String upper = next.toUpperCase(Locale.ROOT);
      changesWriters |= (seen++ < OBJECT_WORDS && WRITER_OBJECTS.contains(upper)) || upper.equals("RENAME");
    }
    SqlEffect effect = changesWriters ? SqlEffect.CHANGES_WRITERS : SqlEffect.WRITE;
    return create ? effect.and(SqlEffect.HOLDS_SESSION) : effect;
  }

  private static String fold(String name) {
    return name.startsWith("\"") ? name.substring(1, name.length() - 1).replace("\"\"", "\"")
        : name.toLowerCase(Locale.ROOT);
  }

  /** A call: keyword-like names are calls when quoted or qualified ({@code api.order(1)}). */
  private boolean mayWrite(String name) {
    String folded = fold(name);
    boolean keywordLike = !name.startsWith("\"") && !words.qualified();
    if (keywordLike && NotCalls.contains(folded)) {
      return false;
    }
    if (keywordLike && folded.equals("filter") && "WHERE".equalsIgnoreCase(words.peekInParenthesis())) {
      return false; // an aggregate's FILTER (WHERE ...); filter(...) is a call of a function named filter
    }
    writesUnseen |= known.functionWritesElsewhere(folded);
    setsSession |= (folded.equals("set_config") && !"true".equalsIgnoreCase(words.lastInParenthesis())) // not local
        || known.functionSetsSession(folded);
    return known.functionMayWrite(folded);
  }

  /**
   * The rest of a SET, START TRANSACTION or BEGIN statement, whose word after the first is {@code second}: whether
   * it may make the transaction read-write ({@code READ WRITE}, or a {@code *transaction_read_only} setting).
   */
  private boolean mayMakeReadWrite(String second) {
    boolean readWrite = false;
    String previous = "";
    for (String next = second; next != null; next = words.next()) {
      String upper = next.toUpperCase(Locale.ROOT);
      readWrite |= (upper.equals("WRITE") && previous.equals("READ")) || upper.endsWith("TRANSACTION_READ_ONLY");
      previous = upper;
    }
    return readWrite;
  }

  private void skipStatement() {
    while (words.next() != null) {
      // to the end of the statement
    }
  }

}

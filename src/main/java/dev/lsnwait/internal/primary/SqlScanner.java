package dev.lsnwait.internal.primary;

import java.util.Locale;
import java.util.Set;

/**
 * Tells from a SQL text, without a round trip, whether it may write and how it ends its transaction. It reads words
 * the way PostgreSQL's lexer separates them (skipping comments, string, quoted and dollar-quoted literals), statement
 * by statement. A statement that starts with {@code SELECT}, {@code WITH}, {@code VALUES}, {@code TABLE},
 * {@code SHOW}, {@code FETCH} and the like reads, unless it modifies data in a {@code WITH}, creates a table
 * ({@code SELECT INTO}), or calls a function that may write ({@link FunctionCatalog}); every statement kind it does
 * not know may write. Wrong guesses only go one way: a read taken for a write costs a wait, never a stale read.
 */
final class SqlScanner {

  /** Statements that read (their calls of functions are still checked). */
  private static final Set<String> READS = Set.of("SELECT", "WITH", "VALUES", "TABLE", "SHOW", "FETCH", "MOVE",
      "CLOSE", "DECLARE", "EXPLAIN");
  /** Statements that neither read nor write data. */
  private static final Set<String> NEUTRAL = Set.of("SET", "RESET", "BEGIN", "START", "SAVEPOINT", "RELEASE",
      "LISTEN", "UNLISTEN", "NOTIFY", "DISCARD", "DEALLOCATE", "PREPARE", "LOAD", "CHECKPOINT");
  /** Words that take a parenthesis without being a function call. */
  private static final Set<String> NOT_FUNCTIONS = Set.of("in", "exists", "any", "all", "some", "values", "as",
      "cast", "over", "filter", "extract", "position", "substring", "overlay", "trim", "not", "and", "or", "where",
      "on", "using", "from", "join", "select", "by", "then", "else", "when", "limit", "offset", "having",
      "distinct", "lateral", "with", "array", "row", "interval", "within", "varying", "precision", "coalesce",
      "nullif", "greatest", "least", "decimal", "dec", "numeric", "char", "character", "nchar", "national", "bit",
      "float", "double", "real", "int", "integer", "smallint", "bigint", "boolean", "time", "timestamp",
      "varchar", "case", "is", "like", "ilike", "similar", "between", "union", "intersect", "except", "group",
      "order", "partition", "rows", "range", "groups", "for", "of", "table", "only", "tablesample", "repeatable",
      "ordinality", "cube", "rollup", "grouping", "sets", "materialized", "recursive", "returning", "fetch",
      "collate", "zone", "at", "default", "null");

  private final String sql;
  private final FunctionCatalog functions;
  private int at;

  private SqlScanner(String sql, FunctionCatalog functions) {
    this.sql = sql;
    this.functions = functions;
  }

  /** The effect of {@code sql}; {@code functions} may be null (then every call may write). */
  static SqlEffect classify(String sql, FunctionCatalog functions) {
    return new SqlScanner(sql, functions).all();
  }

  private SqlEffect all() {
    SqlEffect effect = SqlEffect.READ;
    while (at < sql.length()) {
      effect = effect.and(statement());
    }
    return effect;
  }

  /** One statement, up to and including its semicolon. */
  private SqlEffect statement() {
    String first = word();
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
      String second = word();
      boolean prepareTransaction = kind.equals("PREPARE") && "TRANSACTION".equalsIgnoreCase(second);
      if (second != null) { // null: that was the statement's end already
        skipStatement();
      }
      return prepareTransaction ? new SqlEffect(false, false, true, false) : SqlEffect.READ;
    }
    if (kind.equals("COPY")) {
      return copy();
    }
    if (!READS.contains(kind)) {
      skipStatement();
      return SqlEffect.WRITE;
    }
    return reading(kind.equals("EXPLAIN"));
  }

  /** COMMIT / END / ROLLBACK / ABORT with their options: PREPARED, TO SAVEPOINT, AND [NO] CHAIN. */
  private SqlEffect ending(boolean commit) {
    boolean prepared = false;
    boolean toSavepoint = false;
    boolean chain = false;
    String previous = "";
    for (String next = word(); next != null; next = word()) {
      String upper = next.toUpperCase(Locale.ROOT);
      prepared |= upper.equals("PREPARED");
      toSavepoint |= upper.equals("TO");
      chain |= upper.equals("CHAIN") && !previous.equals("NO");
      previous = upper;
    }
    if (toSavepoint) {
      return SqlEffect.READ; // ROLLBACK TO SAVEPOINT: the transaction goes on
    }
    if (prepared) { // ends another, prepared transaction: COMMIT PREPARED makes its writes visible
      return commit ? new SqlEffect(true, true, false, false) : SqlEffect.READ;
    }
    return new SqlEffect(false, commit, !commit, chain);
  }

  /**
   * COPY ... FROM writes; COPY (query) TO reads, unless its query modifies data ({@code INSERT/UPDATE/DELETE/MERGE
   * ... RETURNING}) or calls a function that may write.
   */
  private SqlEffect copy() {
    boolean writes = false;
    String previous = "";
    for (String next = word(); next != null; next = word()) {
      String upper = next.toUpperCase(Locale.ROOT);
      if (depth == 0) {
        writes |= upper.equals("FROM");
      } else if (upper.equals("INSERT") || upper.equals("DELETE") || upper.equals("MERGE")) {
        writes = true;
      } else if (upper.equals("UPDATE")) {
        writes |= !previous.equals("FOR") && !previous.equals("KEY"); // FOR [NO KEY] UPDATE locks
      } else if (followedByParenthesis() && mayWrite(next)) {
        writes = true;
      }
      previous = upper;
    }
    return writes ? SqlEffect.WRITE : SqlEffect.READ;
  }

  private int depth;

  /** A statement that reads: unless it modifies data, creates a table, or calls a function that may write. */
  private SqlEffect reading(boolean explain) {
    boolean writes = false;
    boolean analyze = false;
    String previous = "";
    for (String next = word(); next != null; next = word()) {
      String upper = next.toUpperCase(Locale.ROOT);
      switch (upper) {
        case "INSERT", "DELETE", "MERGE", "INTO" -> writes = true;
        case "UPDATE" -> writes |= !previous.equals("FOR") && !previous.equals("KEY"); // FOR [NO KEY] UPDATE locks
        case "ANALYZE", "ANALYSE" -> analyze |= explain; // PostgreSQL takes the British spelling too
        case "CREATE", "EXECUTE" -> writes |= explain; // EXPLAIN ANALYZE runs CREATE TABLE AS, or a prepared statement
        default -> {
          if (followedByParenthesis() && mayWrite(next)) {
            writes = true;
          }
        }
      }
      previous = upper;
    }
    if (explain && !analyze) {
      return SqlEffect.READ; // a plan only: nothing runs
    }
    return writes ? SqlEffect.WRITE : SqlEffect.READ;
  }

  private boolean mayWrite(String name) {
    String folded = name.startsWith("\"") ? name.substring(1, name.length() - 1).replace("\"\"", "\"")
        : name.toLowerCase(Locale.ROOT);
    if (!name.startsWith("\"") && NOT_FUNCTIONS.contains(folded)) {
      return false;
    }
    return functions == null || functions.mayWrite(folded);
  }

  private void skipStatement() {
    while (word() != null) {
      // to the end of the statement
    }
  }

  /** Whether the next character after blanks and comments is an opening parenthesis. */
  private boolean followedByParenthesis() {
    skipBlanks();
    return at < sql.length() && sql.charAt(at) == '(';
  }

  /**
   * The next word of this statement (an identifier or keyword, or a double-quoted identifier with its quotes), or
   * null at its end, after consuming the semicolon. Literals, numbers, operators and comments are skipped; a
   * qualified name gives its parts one by one.
   */
  private String word() {
    while (true) {
      skipBlanks();
      if (at >= sql.length()) {
        return null;
      }
      char c = sql.charAt(at);
      if (c == ';' && depth == 0) {
        at++;
        return null;
      }
      if (c == '(') {
        depth++;
        at++;
      } else if (c == ')') {
        depth = Math.max(0, depth - 1);
        at++;
      } else if (c == '\'') {
        skipQuoted('\'', isEscapeString());
      } else if (c == '"') {
        int start = at;
        skipQuoted('"', false);
        return sql.substring(start, at);
      } else if (c == '$' && dollarTag() != null) {
        skipDollarQuoted(dollarTag());
      } else if (Character.isLetter(c) || c == '_') {
        int start = at;
        while (at < sql.length() && (Character.isLetterOrDigit(sql.charAt(at)) || sql.charAt(at) == '_'
            || sql.charAt(at) == '$')) {
          at++;
        }
        if (at < sql.length() && sql.charAt(at) == '\'' && at - start == 1) {
          continue; // E'...', B'...', X'...', N'...': the literal follows
        }
        return sql.substring(start, at);
      } else {
        at++; // a digit, an operator, a parameter marker, a dot, a comma
      }
    }
  }

  private boolean isEscapeString() {
    return at > 0 && (sql.charAt(at - 1) == 'E' || sql.charAt(at - 1) == 'e')
        && (at < 2 || !Character.isLetterOrDigit(sql.charAt(at - 2)));
  }

  private void skipBlanks() {
    while (at < sql.length()) {
      char c = sql.charAt(at);
      if (Character.isWhitespace(c)) {
        at++;
      } else if (sql.startsWith("--", at)) {
        at = lineEnd(at); // PostgreSQL ends a -- comment at a line feed or a carriage return
      } else if (sql.startsWith("/*", at)) {
        skipBlockComment();
      } else {
        return;
      }
    }
  }

  /** Where the line that {@code from} is on ends: after its first line feed or carriage return. */
  private int lineEnd(int from) {
    for (int i = from; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c == '\n' || c == '\r') {
        return i + 1;
      }
    }
    return sql.length();
  }

  private void skipBlockComment() {
    int nesting = 0;
    while (at < sql.length()) {
      if (sql.startsWith("/*", at)) {
        nesting++;
        at += 2;
      } else if (sql.startsWith("*/", at)) {
        at += 2;
        if (--nesting == 0) {
          return;
        }
      } else {
        at++;
      }
    }
  }

  private void skipQuoted(char quote, boolean backslashEscapes) {
    at++;
    while (at < sql.length()) {
      char c = sql.charAt(at++);
      if (backslashEscapes && c == '\\') {
        at++;
      } else if (c == quote) {
        if (at < sql.length() && sql.charAt(at) == quote) {
          at++; // a doubled quote stands for one
        } else {
          return;
        }
      }
    }
  }

  /** The tag of a dollar quote starting here ({@code $$} or {@code $tag$}), or null if this is not one. */
  private String dollarTag() {
    int end = at + 1;
    while (end < sql.length() && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '_')) {
      end++;
    }
    if (end >= sql.length() || sql.charAt(end) != '$' || (end > at + 1 && Character.isDigit(sql.charAt(at + 1)))) {
      return null; // $1 is a parameter
    }
    return sql.substring(at, end + 1);
  }

  private void skipDollarQuoted(String tag) {
    int end = sql.indexOf(tag, at + tag.length());
    at = end < 0 ? sql.length() : end + tag.length();
  }
}

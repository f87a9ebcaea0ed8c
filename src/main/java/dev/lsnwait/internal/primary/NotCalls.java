package dev.lsnwait.internal.primary;

import java.util.Set;

/**
 * Keywords that take a parenthesis without being a function call ({@code IN (...)}, {@code CAST(...)},
 * {@code numeric(10, 2)}): {@link SqlScanner} does not look them up as functions when they are neither quoted nor
 * qualified.
 */
final class NotCalls {

  private static final Set<String> WORDS = Set.of("in", "exists", "any", "all", "some", "values", "as",
      "cast", "over", "extract", "position", "substring", "overlay", "trim", "not", "and", "or", "where",
      "on", "using", "from", "join", "select", "by", "then", "else", "when", "limit", "offset", "having",
      "distinct", "lateral", "with", "array", "row", "interval", "within", "varying", "precision", "coalesce",
      "nullif", "greatest", "least", "decimal", "dec", "numeric", "char", "character", "nchar", "national", "bit",
      "float", "double", "real", "int", "integer", "smallint", "bigint", "boolean", "time", "timestamp",
      "varchar", "case", "is", "like", "ilike", "similar", "between", "union", "intersect", "except", "group",
      "order", "for", "of", "table", "only", "tablesample", "repeatable",
      "cube", "rollup", "grouping", "sets", "materialized", "recursive", "returning", "fetch",
      "collate", "default", "null");

  private NotCalls() {}

  /** Whether {@code folded}, a name as PostgreSQL folds it, is one of them. */
  static boolean contains(String folded) {
    return WORDS.contains(folded);
  }
}

package dev.lsnwait.internal.primary;

import java.util.function.Supplier;

/**
 * The words of a SQL text as PostgreSQL's lexer sees them, one statement at a time: identifiers and keywords (a
 * double-quoted identifier with its quotes; any non-ASCII character belongs to a name, as in PostgreSQL), with
 * literals (quoted, escape, dollar-quoted), numbers, operators and comments ({@code --} to a line feed or carriage
 * return, nested block comments) skipped, the parenthesis depth, and whether a word came after a dot.
 */
final class SqlWords {

  private final String sql;
  private final boolean backslashQuotes;
  private int at;
  private int depth;
  private char skipped; // the last character skipped between words (an operator, a dot), or 0
  private boolean qualified;

  SqlWords(String sql) {
    this(sql, false);
  }

  /** @param backslashQuotes {@code standard_conforming_strings} is off: a backslash escapes in every literal */
  SqlWords(String sql, boolean backslashQuotes) {
    this.sql = sql;
    this.backslashQuotes = backslashQuotes;
  }

  /** The first word inside the parenthesis that comes next, without reading on; null if there is none. */
  String peekInParenthesis() {
    return peek(this::next);
  }

  /**
   * The last word of the parenthesis that comes next, at its own depth (a call's last argument), without reading on;
   * null if there is none.
   */
  String lastInParenthesis() {
    return peek(() -> {
      int outside = depth; // the parenthesis is not read yet
      String last = null;
      for (String word = next(); word != null && depth > outside; word = next()) {
        last = depth == outside + 1 ? word : last;
      }
      return last;
    });
  }

  /** What {@code look} reads from the parenthesis that comes next (null if none), then back to where it was. */
  private String peek(Supplier<String> look) {
    int savedAt = at;
    int savedDepth = depth;
    char savedSkipped = skipped;
    boolean savedQualified = qualified;
    try {
      return followedByParenthesis() ? look.get() : null;
    } finally {
      at = savedAt;
      depth = savedDepth;
      skipped = savedSkipped;
      qualified = savedQualified;
    }
  }

  /** Whether the last word came right after a dot: a qualified name's later part, or {@code (row).name}. */
  boolean qualified() {
    return qualified;
  }

  /** Whether the whole text was read. */
  boolean atEnd() {
    return at >= sql.length();
  }

  /** How deep in parentheses the last word was. */
  int depth() {
    return depth;
  }

  /** Whether the next character after blanks and comments is an opening parenthesis. */
  boolean followedByParenthesis() {
    skipBlanks();
    return at < sql.length() && sql.charAt(at) == '(';
  }

  /**
   * The next word of this statement (an identifier or keyword, or a double-quoted identifier with its quotes), or
   * null at its end, after consuming the semicolon. Literals, numbers, operators and comments are skipped; a
   * qualified name gives its parts one by one.
   */
  String next() {
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
        skipQuoted('\'', backslashQuotes || isEscapeString());
      } else if (c == '"') {
        int start = at;
        skipQuoted('"', false);
        return word(start);
      } else if (c == '$' && dollarTag() != null) {
        skipDollarQuoted(dollarTag());
      } else if (isNameStart(c)) {
        int start = at;
        while (at < sql.length() && (isNameStart(sql.charAt(at)) || Character.isDigit(sql.charAt(at))
            || sql.charAt(at) == '$')) {
          at++;
        }
        if (at < sql.length() && sql.charAt(at) == '\'' && at - start == 1) {
          continue; // E'...', B'...', X'...', N'...': the literal follows
        }
        return word(start);
      } else {
        at++; // a digit, an operator, a parameter marker, a dot, a comma
        skipped = c;
        continue;
      }
      skipped = 0;
    }
  }

  private String word(int start) {
    qualified = skipped == '.';
    skipped = 0;
    return sql.substring(start, at);
  }

  /** PostgreSQL's {@code ident_start}: an ASCII letter, an underscore or any non-ASCII character. */
  private static boolean isNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  /** PostgreSQL's white space: no other character separates words. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
  }

  private boolean isEscapeString() {
    return at > 0 && (sql.charAt(at - 1) == 'E' || sql.charAt(at - 1) == 'e')
        && (at < 2 || !Character.isLetterOrDigit(sql.charAt(at - 2)));
  }

  private void skipBlanks() {
    while (at < sql.length()) {
      char c = sql.charAt(at);
      if (isSpace(c)) {
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
    while (end < sql.length() && (isNameStart(sql.charAt(end)) || Character.isDigit(sql.charAt(end)))) {
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

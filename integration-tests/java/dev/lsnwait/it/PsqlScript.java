package dev.lsnwait.it;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a psql script into the statements psql would send: a statement ends at a semicolon outside quotes, comments,
 * parentheses and a {@code BEGIN ATOMIC} body, or at a meta-command ({@code \gset}, {@code \g}). {@code \set}
 * variables are substituted as psql does ({@code :name}, {@code :'name'}, {@code :"name"}); other meta-commands are
 * skipped; the data lines after {@code COPY ... FROM STDIN} come with their statement.
 */
final class PsqlScript {

  /** One statement, and the data it reads if it is {@code COPY ... FROM STDIN} (else null). */
  record Statement(String sql, String copyData) {}

  private static final Pattern DOLLAR_QUOTE = Pattern.compile("\\$([A-Za-z_][A-Za-z_0-9]*)?\\$");
  private static final Pattern VARIABLE = Pattern.compile(":(?:'([A-Za-z_0-9]+)'|\"([A-Za-z_0-9]+)\"|([A-Za-z_]\\w*))");
  private static final Pattern COPY_FROM_STDIN = Pattern.compile("(?is)\\s*COPY\\b.*\\bFROM\\s+STDIN\\b.*");

  private final String text;
  private final Map<String, String> variables = new HashMap<>();
  private int at;

  /** @param variables psql variables set before the script runs (as {@code pg_regress} sets {@code abs_srcdir}) */
  PsqlScript(String text, Map<String, String> variables) {
    this.text = text;
    this.variables.putAll(variables);
  }

  /** The next statement, or null at the end. */
  Statement next() {
    StringBuilder sql = new StringBuilder();
    int parentheses = 0;
    int atomicDepth = 0;
    while (at < text.length()) {
      char c = text.charAt(at);
      if (text.startsWith("--", at)) {
        skipToEndOfLine();
      } else if (text.startsWith("/*", at)) {
        skipComment();
        sql.append(' ');
      } else if (c == '\'' || c == '"') {
        sql.append(quoted(c));
      } else if (c == '$' && dollarQuoteAt()) {
        sql.append(dollarQuoted());
      } else if (c == ':' && variableAt()) {
        sql.append(variable());
      } else if (c == '\\') {
        String meta = restOfLine();
        if (!sql.toString().isBlank()) {
          return statement(sql.toString()); // \g, \gset, \gexec ...: the statement so far runs
        }
        metaCommand(meta);
      } else if (c == ';' && parentheses == 0 && atomicDepth == 0) {
        at++;
        if (!sql.toString().isBlank()) {
          return statement(sql.toString());
        }
        sql.setLength(0);
      } else {
        parentheses += c == '(' ? 1 : c == ')' && parentheses > 0 ? -1 : 0;
        atomicDepth = atomicDepth(atomicDepth);
        sql.append(c);
        at++;
      }
    }
    return sql.toString().isBlank() ? null : new Statement(sql.toString(), null);
  }

  private Statement statement(String sql) {
    return new Statement(sql, COPY_FROM_STDIN.matcher(sql).matches() ? copyData() : null);
  }

  /** The lines after the statement's own, up to a line {@code \.} (or the end). */
  private String copyData() {
    int start = text.indexOf('\n', at);
    if (start < 0) {
      at = text.length();
      return "";
    }
    int end = text.startsWith("\\.", start + 1) ? start : text.indexOf("\n\\.", start + 1);
    if (end < 0) {
      String data = text.substring(start + 1);
      at = text.length();
      return data;
    }
    String data = start == end ? "" : text.substring(start + 1, end + 1);
    at = end + 3;
    return data;
  }

  /** A SQL-standard function body ({@code BEGIN ATOMIC ... END}) holds semicolons; CASE ... END nests in it. */
  private int atomicDepth(int depth) {
    if (!Character.isLetter(text.charAt(at)) || (at > 0 && isWordChar(text.charAt(at - 1)))) {
      return depth;
    }
    if (wordAt("BEGIN") && text.substring(at + 5).stripLeading().regionMatches(true, 0, "ATOMIC", 0, 6)) {
      return depth + 1;
    }
    if (depth > 0 && wordAt("CASE")) {
      return depth + 1;
    }
    return depth > 0 && wordAt("END") ? depth - 1 : depth;
  }

  private boolean wordAt(String word) {
    int end = at + word.length();
    return text.regionMatches(true, at, word, 0, word.length())
        && (end >= text.length() || !isWordChar(text.charAt(end)));
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  private void metaCommand(String meta) {
    String[] words = meta.trim().split("\\s+", 3);
    if (words[0].equals("\\set") && words.length > 1) {
      String value = words.length > 2 ? words[2] : "";
      StringBuilder joined = new StringBuilder();
      for (String part : value.split("\\s+")) { // psql joins the words, each unquoted
        joined.append(part.startsWith(":") ? variables.getOrDefault(part.substring(1), "") : part.replace("'", ""));
      }
      variables.put(words[1], joined.toString());
    }
  }

  private String quoted(char quote) {
    boolean backslashEscapes = quote == '\'' && at > 0 && (text.charAt(at - 1) == 'E' || text.charAt(at - 1) == 'e');
    int end = at + 1;
    while (end < text.length()) {
      char c = text.charAt(end);
      if (backslashEscapes && c == '\\') {
        end += 2;
      } else if (c == quote && end + 1 < text.length() && text.charAt(end + 1) == quote) {
        end += 2;
      } else if (c == quote) {
        break;
      } else {
        end++;
      }
    }
    end = Math.min(end + 1, text.length());
    String quoted = text.substring(at, end);
    at = end;
    return quoted;
  }

  private boolean dollarQuoteAt() {
    Matcher m = DOLLAR_QUOTE.matcher(text).region(at, text.length());
    return m.lookingAt() && (at == 0 || !isWordChar(text.charAt(at - 1)));
  }

  private String dollarQuoted() {
    Matcher m = DOLLAR_QUOTE.matcher(text).region(at, text.length());
    m.lookingAt();
    int close = text.indexOf(m.group(), m.end());
    int end = close < 0 ? text.length() : close + m.group().length();
    String quoted = text.substring(at, end);
    at = end;
    return quoted;
  }

  private boolean variableAt() {
    if (at > 0 && text.charAt(at - 1) == ':' || at + 1 < text.length() && text.charAt(at + 1) == ':') {
      return false; // a cast
    }
    Matcher m = VARIABLE.matcher(text).region(at, text.length());
    return m.lookingAt() && variables.containsKey(name(m));
  }

  private String variable() {
    Matcher m = VARIABLE.matcher(text).region(at, text.length());
    m.lookingAt();
    at = m.end();
    String value = variables.get(name(m));
    if (m.group(1) != null) {
      return "'" + value.replace("'", "''") + "'";
    }
    return m.group(2) != null ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }

  private static String name(Matcher m) {
    return m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
  }

  private void skipToEndOfLine() {
    int end = text.indexOf('\n', at);
    at = end < 0 ? text.length() : end;
  }

  private String restOfLine() {
    int start = at;
    skipToEndOfLine();
    return text.substring(start, at);
  }

  private void skipComment() {
    int depth = 0;
    do {
      if (text.startsWith("/*", at)) {
        depth++;
        at += 2;
      } else if (text.startsWith("*/", at)) {
        depth--;
        at += 2;
      } else {
        at++;
      }
    } while (depth > 0 && at < text.length());
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "PsqlScript[at %d of %d]", at, text.length());
  }
}

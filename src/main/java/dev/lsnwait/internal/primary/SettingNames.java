package dev.lsnwait.internal.primary;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The custom settings ({@code app.tenant}) a text sets with {@code SET}, {@code RESET} or {@code set_config('...')}:
 * {@code pg_settings} does not list them, so whoever copies a session's settings must know their names.
 */
public final class SettingNames {

  private static final Pattern CUSTOM = Pattern.compile(
      "(?:\\b(?:SET|RESET)\\s+(?:SESSION\\s+)?|set_config\\s*\\(\\s*')\"?([A-Za-z_][\\w$]*\\.[\\w$.]+)",
      Pattern.CASE_INSENSITIVE);

  private SettingNames() {}

  /** The names, lower case (PostgreSQL ignores a setting name's case). */
  public static Set<String> in(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher custom = CUSTOM.matcher(text);
    while (custom.find()) {
      names.add(custom.group(1).toLowerCase(Locale.ROOT));
    }
    return names;
  }
}

package dev.lsnwait.internal;

import dev.lsnwait.ReadConsistency;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parsed lsnwait properties of one connection. */
public record Settings(
    Role role,
    Duration timeout,
    OnTimeout onTimeout,
    Duration pollInterval,
    int maxPollRate,
    Duration resolveInterval,
    Duration refreshInterval,
    Duration idleTimeout,
    Tokens tokens,
    List<String> replicas,
    Duration replicaWait,
    ReadConsistency consistency,
    Pooler pooler) {

  /** {@code lsnwait.pooler}. */
  public enum Pooler {
    AUTO,
    TRANSACTION,
    NONE
  }

  /** {@code lsnwait.role}. */
  public enum Role {
    AUTO,
    PRIMARY,
    REPLICA
  }

  /** {@code lsnwait.tokens}. */
  public enum Tokens {
    WRITES,
    COMMITS
  }

  /** {@code lsnwait.onTimeout}. */
  public enum OnTimeout {
    FAIL,
    PROCEED
  }

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(us|ms|s|m)?");

  /** Settings from {@code lsnwait.*} values, by key; missing keys take their defaults. */
  public static Settings from(Map<Setting, String> values) throws SQLException {
    return new Settings(
        choice(Setting.ROLE, values, Role.class),
        duration(Setting.TIMEOUT, values, false),
        choice(Setting.ON_TIMEOUT, values, OnTimeout.class),
        duration(Setting.POLL_INTERVAL, values, true),
        positiveInt(Setting.MAX_POLL_RATE, values),
        duration(Setting.RESOLVE_INTERVAL, values, false),
        duration(Setting.REFRESH_INTERVAL, values, false),
        duration(Setting.IDLE_TIMEOUT, values, true),
        choice(Setting.TOKENS, values, Tokens.class),
        addresses(Setting.REPLICAS, values),
        duration(Setting.REPLICA_WAIT, values, false),
        consistency(values),
        choice(Setting.POOLER, values, Pooler.class));
  }

  private static ReadConsistency consistency(Map<Setting, String> values) throws SQLException {
    Duration bound = duration(Setting.MAX_STALENESS, values, false);
    return switch (choice(Setting.CONSISTENCY, values, ReadConsistency.Level.class)) {
      case SESSION -> ReadConsistency.SESSION;
      case GLOBAL -> ReadConsistency.GLOBAL;
      case BOUNDED -> ReadConsistency.boundedStaleness(bound);
    };
  }

  /** These settings with another role (a routing connection's replicas detect theirs). */
  public Settings withRole(Role other) {
    return new Settings(other, timeout, onTimeout, pollInterval, maxPollRate, resolveInterval, refreshInterval,
        idleTimeout, tokens,
        replicas, replicaWait, consistency, pooler);
  }

  /** Whether this URL routes: it names replicas. */
  public boolean routes() {
    return !replicas.isEmpty();
  }

  private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^\\s,:/?\\[\\]]+)(:\\d{1,5})?");

  private static List<String> addresses(Setting setting, Map<Setting, String> values) throws SQLException {
    String value = value(setting, values);
    List<String> result = new ArrayList<>();
    for (String address : value.split(",")) {
      String trimmed = address.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!ADDRESS.matcher(trimmed).matches()) {
        throw invalid(setting, value, "host:port pairs separated by commas, such as replica1:5432,replica2:5432");
      }
      result.add(trimmed);
    }
    return List.copyOf(result);
  }

  private static String value(Setting setting, Map<Setting, String> values) {
    String value = values.get(setting);
    return value == null || value.isBlank() ? setting.defaultValue() : value.trim();
  }

  private static <E extends Enum<E>> E choice(Setting setting, Map<Setting, String> values, Class<E> type)
      throws SQLException {
    String value = value(setting, values);
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw invalid(setting, value, "one of " + String.join(", ", setting.describe(null).choices));
    }
  }

  private static Duration duration(Setting setting, Map<Setting, String> values, boolean positive)
      throws SQLException {
    String value = value(setting, values);
    Duration result;
    Matcher matcher = DURATION.matcher(value.toLowerCase(Locale.ROOT));
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
      result =
          switch (unit) {
            case "us" -> Duration.ofNanos(amount * 1000);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofMillis(amount);
          };
    } else {
      try {
        result = Duration.parse(value);
      } catch (DateTimeParseException e) {
        throw invalid(setting, value, "a duration such as 5s, 500ms, 250us or a number of milliseconds");
      }
    }
    if (result.isNegative() || (positive && result.isZero())) {
      throw invalid(setting, value, positive ? "a positive duration" : "a duration of zero or more");
    }
    return result;
  }

  private static int positiveInt(Setting setting, Map<Setting, String> values) throws SQLException {
    String value = value(setting, values);
    try {
      int result = Integer.parseInt(value);
      if (result > 0) {
        return result;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw invalid(setting, value, "a whole number above 0");
  }

  private static SQLException invalid(Setting setting, String value, String expected) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    return new SQLException(
        "lsnwait: invalid " + setting.key() + "='" + shown + "': expected " + expected, "22023");
  }
}

package dev.lsnwait.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A {@code jdbc:lsnwait:} URL split into what pgjdbc gets (its URL and properties) and lsnwait's own settings, taken
 * from the properties and from the URL's query string (the URL wins, as in pgjdbc).
 */
public final class LsnWaitUrl {

  public static final String PREFIX = "jdbc:lsnwait:";
  private static final String PGJDBC_PREFIX = "jdbc:";

  private final String pgjdbcUrl;
  private final Properties pgjdbcProperties;
  private final Map<Setting, String> settings;
  private final List<String> unknownKeys;

  private LsnWaitUrl(
      String pgjdbcUrl, Properties pgjdbcProperties, Map<Setting, String> settings, List<String> unknownKeys) {
    this.pgjdbcUrl = pgjdbcUrl;
    this.pgjdbcProperties = pgjdbcProperties;
    this.settings = settings;
    this.unknownKeys = unknownKeys;
  }

  public static boolean accepts(String url) {
    return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
  }

  /** Splits {@code url} and {@code info}; the caller has checked {@link #accepts(String)}. */
  public static LsnWaitUrl parse(String url, Properties info) {
    Map<Setting, String> settings = new EnumMap<>(Setting.class);
    List<String> unknown = new ArrayList<>();
    Properties properties = new Properties();
    if (info != null) {
      for (String key : info.stringPropertyNames()) {
        if (isOwn(key)) {
          put(settings, unknown, key, info.getProperty(key));
        } else {
          properties.setProperty(key, info.getProperty(key));
        }
      }
    }
    String rest = url.substring(PREFIX.length());
    int query = rest.indexOf('?');
    if (query < 0) {
      return new LsnWaitUrl(PGJDBC_PREFIX + rest, properties, settings, unknown);
    }
    StringBuilder kept = new StringBuilder();
    for (String parameter : rest.substring(query + 1).split("&")) {
      int equals = parameter.indexOf('=');
      String key = decode(equals < 0 ? parameter : parameter.substring(0, equals));
      if (isOwn(key)) {
        put(settings, unknown, key, equals < 0 ? "" : decode(parameter.substring(equals + 1)));
      } else if (!parameter.isEmpty()) {
        kept.append(kept.length() == 0 ? "" : "&").append(parameter);
      }
    }
    String base = PGJDBC_PREFIX + rest.substring(0, query);
    return new LsnWaitUrl(kept.length() == 0 ? base : base + "?" + kept, properties, settings, unknown);
  }

  private static boolean isOwn(String key) {
    return key.regionMatches(true, 0, Setting.PREFIX, 0, Setting.PREFIX.length());
  }

  private static void put(Map<Setting, String> settings, List<String> unknown, String key, String value) {
    Setting setting = Setting.byKey(key);
    if (setting != null) {
      settings.put(setting, value);
    } else {
      unknown.add(key); // most likely a typo: settings() says so
    }
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text;
    }
  }

  /** The URL for pgjdbc: {@code jdbc:postgresql:...} without lsnwait parameters. */
  public String pgjdbcUrl() {
    return pgjdbcUrl;
  }

  /**
   * The URL for pgjdbc to reach one replica of a routing URL: the same database and parameters at {@code address}
   * ({@code host:port}), without pgjdbc's host selection ({@code targetServerType}, {@code loadBalanceHosts}), which
   * is about the primary's host list.
   */
  public String pgjdbcUrlFor(String address) {
    String hosts = "jdbc:postgresql://";
    String rest;
    if (pgjdbcUrl.regionMatches(true, 0, hosts, 0, hosts.length())) {
      rest = pgjdbcUrl.substring(hosts.length());
      int end = 0;
      while (end < rest.length() && rest.charAt(end) != '/' && rest.charAt(end) != '?') {
        end++;
      }
      rest = rest.substring(end);
    } else { // jdbc:postgresql:database
      rest = "/" + pgjdbcUrl.substring(pgjdbcUrl.indexOf(':', PGJDBC_PREFIX.length()) + 1);
    }
    int query = rest.indexOf('?');
    if (query < 0) {
      return hosts + address + rest;
    }
    StringBuilder kept = new StringBuilder();
    for (String parameter : rest.substring(query + 1).split("&")) {
      String key = decode(parameter.contains("=") ? parameter.substring(0, parameter.indexOf('=')) : parameter);
      if (!parameter.isEmpty() && !isHostSelection(key)) {
        kept.append(kept.length() == 0 ? "?" : "&").append(parameter);
      }
    }
    return hosts + address + rest.substring(0, query) + kept;
  }

  /** The properties for pgjdbc to reach one replica of a routing URL (see {@link #pgjdbcUrlFor}). */
  public Properties pgjdbcPropertiesForReplica() {
    Properties properties = new Properties();
    for (String key : pgjdbcProperties.stringPropertyNames()) {
      if (!isHostSelection(key)) {
        properties.setProperty(key, pgjdbcProperties.getProperty(key));
      }
    }
    return properties;
  }

  private static boolean isHostSelection(String key) {
    return key.equalsIgnoreCase("targetServerType") || key.equalsIgnoreCase("loadBalanceHosts")
        || key.equalsIgnoreCase("hostRecheckSeconds") || key.equalsIgnoreCase("PGHOST")
        || key.equalsIgnoreCase("PGPORT");
  }

  /** The properties for pgjdbc, without lsnwait ones. */
  public Properties pgjdbcProperties() {
    return pgjdbcProperties;
  }

  /** lsnwait's settings as given, by key. */
  public Map<Setting, String> rawSettings() {
    return settings;
  }

  /**
   * lsnwait's settings, checked.
   *
   * @throws SQLException for an unknown {@code lsnwait.*} key or an invalid value
   */
  public Settings settings() throws SQLException {
    if (!unknownKeys.isEmpty()) {
      String key = unknownKeys.get(0);
      throw new SQLException(
          "lsnwait: unknown property '" + (key.length() > 60 ? key.substring(0, 60) + "..." : key)
              + "'; known: " + Setting.keys(), "22023");
    }
    return Settings.from(settings);
  }
}

package dev.lsnwait.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The README's meters table, row by row, and the series Prometheus makes of each meter. */
final class ReadmeMeters {

  /**
   * One row: the meter, its type as the README says it, and its tags, each with the values the README lists (none
   * listed: any value).
   */
  record Meter(String name, String type, Map<String, Set<String>> tags) {

    /** The series a scrape has of it, each with the tag keys it carries, as Micrometer names them for Prometheus. */
    Map<String, Set<String>> series() {
      String base = name.replace('.', '_');
      Map<String, Set<String>> series = new LinkedHashMap<>();
      if (type.startsWith("timer")) {
        for (String suffix : List.of("_seconds_count", "_seconds_sum", "_seconds_max")) {
          series.put(base + suffix, tags.keySet());
        }
        if (type.contains("histogram")) {
          Set<String> withLe = new LinkedHashSet<>(tags.keySet());
          withLe.add("le");
          series.put(base + "_seconds_bucket", withLe);
        }
      } else if (type.startsWith("counter")) {
        series.put(base + "_total", tags.keySet());
      } else if (type.startsWith("gauge")) {
        series.put(base + (type.contains("bytes") ? "_bytes" : type.contains("seconds") ? "_seconds" : ""),
            tags.keySet());
      } else {
        throw new IllegalStateException("a type the README's table should not have: " + type);
      }
      return series;
    }
  }

  private static final Pattern CODE = Pattern.compile("`([^`]*)`|([()])");

  private ReadmeMeters() {}

  /** The rows of the table under "### Meters" in the project's README. */
  static List<Meter> read() {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of(System.getProperty("user.dir"), "README.md"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int at = lines.indexOf("### Meters");
    while (!lines.get(at).startsWith("|---")) {
      at++;
    }
    List<Meter> meters = new ArrayList<>();
    for (at++; at < lines.size() && lines.get(at).startsWith("|"); at++) {
      String[] cells = lines.get(at).split("\\|");
      meters.add(new Meter(cells[1].trim().replace("`", ""), cells[2].trim(), tags(cells[3])));
    }
    return meters;
  }

  /** {@code `a` (`x`, `y`), `b`}: tag a with values x and y, tag b with any value. */
  private static Map<String, Set<String>> tags(String cell) {
    Map<String, Set<String>> tags = new LinkedHashMap<>();
    Matcher token = CODE.matcher(cell);
    String last = null;
    boolean inValues = false;
    while (token.find()) {
      if (token.group(2) != null) {
        inValues = token.group(2).equals("(");
      } else if (inValues) {
        tags.get(last).add(token.group(1));
      } else {
        last = token.group(1);
        tags.put(last, new LinkedHashSet<>());
      }
    }
    return tags;
  }
}

package dev.lsnwait.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The samples of a Prometheus scrape (text format), as a query would select them. */
final class PrometheusText {

  /** One line: a series name, its labels and its value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+).*");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  private final String text;
  private final List<Sample> samples;

  private PrometheusText(String text, List<Sample> samples) {
    this.text = text;
    this.samples = samples;
  }

  static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher matcher = LINE.matcher(line.trim());
      if (!matcher.matches()) {
        throw new IllegalArgumentException("not a sample: " + line);
      }
      Map<String, String> labels = new TreeMap<>();
      if (matcher.group(2) != null) {
        Matcher label = LABEL.matcher(matcher.group(2));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
      }
      samples.add(new Sample(matcher.group(1), labels, Double.parseDouble(matcher.group(3))));
    }
    return new PrometheusText(text, samples);
  }

  /** The samples of series {@code name}. */
  List<Sample> series(String name) {
    return samples.stream().filter(sample -> sample.name().equals(name)).toList();
  }

  /** The sum of the samples of {@code name} whose labels {@code where} accepts. */
  double sum(String name, Predicate<Map<String, String>> where) {
    return series(name).stream().filter(sample -> where.test(sample.labels())).mapToDouble(Sample::value).sum();
  }

  /** The lines of every series whose name starts with {@code prefix}, for messages. */
  String linesOf(String prefix) {
    StringBuilder lines = new StringBuilder();
    for (String line : text.split("\n")) {
      if (line.startsWith(prefix)) {
        lines.append(line).append('\n');
      }
    }
    return lines.toString();
  }
}

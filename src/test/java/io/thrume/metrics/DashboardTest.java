package io.thrume.metrics;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/grafana/thrume-dashboard.json queries only meters a running node has: a node is exercised a
 * little (a socket, a message, a failure, a collection), then every metric name in the dashboard's
 * PromQL is looked for on its /metrics.
 */
class DashboardTest {
  static final Path DASHBOARD = Path.of("docs/grafana/thrume-dashboard.json");
  private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "bool", "offset");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

  @Test
  void everyMetricTheDashboardQueriesIsOnARunningNode() throws Exception {
    TestThrume thrume = TestThrume.shared();
    RestClient rest = thrume.client();
    User alice = rest.register("dash-a");
    User bob = rest.register("dash-b");
    String id = rest.conversation(alice, bob);
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      b.registerInEffect("conversation." + id);
      assertEquals(201, rest.sendMessage(alice, id, "for the dashboard", "dash-1").status());
      b.event("conversation." + id, "message");
    }
    System.gc();
    Set<String> wanted = queriedMetrics(new JsonObject(Files.readString(DASHBOARD)));
    assertTrue(wanted.size() >= 20, "the dashboard's queries were read: " + wanted);
    Set<String> missing = new TreeSet<>(wanted);
    long deadline = System.nanoTime() + BridgeClient.WAIT.toNanos();
    while (!missing.isEmpty() && System.nanoTime() < deadline) {
      missing.removeAll(MonitoringTest.metrics(thrume).keySet().stream()
        .map(series -> series.contains("{") ? series.substring(0, series.indexOf('{')) : series).collect(Collectors.toSet()));
      Thread.sleep(100);
    }
    assertTrue(missing.isEmpty(), "queried by the dashboard but not on /metrics: " + missing);
  }

  /** The metric names in every PromQL expression of the dashboard (panels' targets and template queries). */
  static Set<String> queriedMetrics(JsonObject dashboard) {
    List<String> expressions = new ArrayList<>();
    collect(dashboard, expressions);
    Set<String> names = new TreeSet<>();
    for (String expr : expressions) {
      String bare = expr.replaceAll("label_values\\(([^,)]+),[^)]*\\)", "$1") // label_values(metric, label)
        .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // strings: label values, legends
        .replaceAll("\\{[^}]*}", "") // label matchers
        .replaceAll("\\[[^]]*]", "") // ranges
        .replaceAll("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", ""); // grouping labels
      Matcher m = IDENTIFIER.matcher(bare);
      while (m.find()) {
        String word = m.group();
        boolean isCall = bare.substring(m.end()).stripLeading().startsWith("(");
        if (!isCall && !PROMQL_WORDS.contains(word) && !word.startsWith("$") && !word.matches("[0-9.eE]+")) {
          names.add(word);
        }
      }
    }
    return names;
  }

  private static void collect(Object node, List<String> expressions) {
    if (node instanceof JsonObject o) {
      for (String key : o.fieldNames()) {
        Object value = o.getValue(key);
        if (("expr".equals(key) || "definition".equals(key)) && value instanceof String s) {
          expressions.add(s);
        } else {
          collect(value, expressions);
        }
      }
    } else if (node instanceof JsonArray a) {
      a.forEach(v -> collect(v, expressions));
    }
  }
}

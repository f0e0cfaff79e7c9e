package io.thrume.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hazelcast operations as the nodes' /metrics count them: {@code thrume_hazelcast_map_operations_total}
 * per map and operation type (what Hazelcast counts where: io.thrume.cluster.HazelcastMapStats),
 * and {@code thrume_cluster_operations_total}, every operation a member executed (backups,
 * heartbeats and Vert.x' own included), kept under {@link #ALL}. Readings are summed over the nodes.
 */
final class HazelcastOps {
  static final String ALL = "all executed operations";
  private static final Pattern MAP_LINE = Pattern.compile(
    "^thrume_hazelcast_map_operations_total\\{(.*)} (\\S+)$", Pattern.MULTILINE);
  private static final Pattern MAP_LABEL = Pattern.compile("map=\"([^\"]*)\"");
  private static final Pattern OP_LABEL = Pattern.compile("op=\"([^\"]*)\"");
  private static final Pattern ALL_LINE = Pattern.compile("^thrume_cluster_operations_total(?:\\{[^}]*})? (\\S+)$",
    Pattern.MULTILINE);

  private HazelcastOps() {
  }

  /** One node's counts by "map op" (say "__vertx.subs get"), and {@link #ALL}; empty for a single node. */
  static Map<String, Double> parse(String metrics) {
    Map<String, Double> counts = new TreeMap<>();
    Matcher line = MAP_LINE.matcher(metrics);
    while (line.find()) {
      Matcher map = MAP_LABEL.matcher(line.group(1));
      Matcher op = OP_LABEL.matcher(line.group(1));
      if (map.find() && op.find()) {
        counts.merge(map.group(1) + " " + op.group(1), Double.parseDouble(line.group(2)), Double::sum);
      }
    }
    Matcher all = ALL_LINE.matcher(metrics);
    if (all.find()) {
      counts.put(ALL, Double.parseDouble(all.group(1)));
    }
    return counts;
  }

  interface Scrape {
    String metrics(int node) throws Exception;
  }

  /** The counts of all nodes, summed. */
  static Map<String, Double> read(Scrape scrape, int nodes) throws Exception {
    Map<String, Double> sum = new TreeMap<>();
    for (int n = 0; n < nodes; n++) {
      parse(scrape.metrics(n)).forEach((k, v) -> sum.merge(k, v, Double::sum));
    }
    return sum;
  }

  /** after − before, key by key (counters only grow; a key first seen after counts from 0). */
  static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> d = new TreeMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
    return d;
  }

  /**
   * Markdown rows {@code | map | op | a per A | b per B |}, for the keys non-zero in either delta,
   * maps in name order, then the sum over the maps and the executed total.
   */
  static List<String> rows(Map<String, Double> a, double perA, Map<String, Double> b, double perB) {
    TreeMap<String, double[]> keys = new TreeMap<>();
    a.forEach((k, v) -> keys.computeIfAbsent(k, x -> new double[2])[0] = v);
    b.forEach((k, v) -> keys.computeIfAbsent(k, x -> new double[2])[1] = v);
    List<String> rows = new ArrayList<>();
    double[] maps = new double[2];
    keys.forEach((k, v) -> {
      if (k.equals(ALL) || (v[0] == 0 && v[1] == 0)) {
        return;
      }
      int space = k.lastIndexOf(' ');
      rows.add(String.format("| %s | %s | %s | %s |", k.substring(0, space), k.substring(space + 1), per(v[0], perA),
        per(v[1], perB)));
      maps[0] += v[0];
      maps[1] += v[1];
    });
    rows.add(String.format("| all maps | all | %s | %s |", per(maps[0], perA), per(maps[1], perB)));
    double[] all = keys.getOrDefault(ALL, new double[2]);
    rows.add(String.format("| (%s, every member) | | %s | %s |", ALL, per(all[0], perA), per(all[1], perB)));
    return rows;
  }

  private static String per(double count, double units) {
    return units <= 0 ? "—" : String.format("%.2f", count / units);
  }
}

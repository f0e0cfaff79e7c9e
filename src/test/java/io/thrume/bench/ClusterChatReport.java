package io.thrume.bench;

import io.thrume.bench.ClusterChat.NodeCpu;
import io.thrume.bench.ClusterChat.Result;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The W6 section of the report: every run as measured (no medians: the missing deliveries are the point). */
final class ClusterChatReport {
  private final List<Result> results = new ArrayList<>();
  private final List<Integer> runs = new ArrayList<>();

  void add(int run, Result result) {
    runs.add(run);
    results.add(result);
  }

  boolean isEmpty() {
    return results.isEmpty();
  }

  String markdown() {
    StringBuilder md = new StringBuilder("## W6 cluster chat as a new user meets it\n\n");
    md.append("Sockets alternate over the nodes, tickets from node 1, each socket registers its user and its conversation "
      + "and syncs; sends start when the last socket joined. Expected: every message acked after the receiver's join, in "
      + "its conversation; missing: not received by the end of the drain. CPU over the send window, % of one core "
      + "summed over the nodes; µs per delivery received in that window.\n\n");
    md.append("| nodes | msgs/s | run | sent | acked | errors | register refusals | expected | received | MISSING | missing % "
        + "| dup | out of order | p50 ms | p99 ms | p99.9 ms | CPU % of the core | per node % | user / kernel % "
        + "| CPU µs/delivery | connect s | connect CPU s per node | generator CPU % | machine CPU % |\n")
      .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    each((run, r) -> md.append(String.format(
      "| %d | %.0f | %d | %d | %d | %d | %d | %d | %d | **%d** | %.2f | %d | %d | %.1f | %.1f | %.1f | %.1f | %s | %.1f / %.1f "
        + "| %.1f | %.1f | %s | %.0f | %.0f |%n", r.nodes(), r.rate(), run, r.sent(), r.acked(), r.errors(), r.refusals(),
      r.expected(), r.received(), r.missing(), r.missingPercent(), r.duplicated(), r.outOfOrder(), r.p50(), r.p99(), r.p999(),
      r.cpuPercent(), perNode(r.sendCpu(), c -> String.format("%.1f", 100 * c.seconds() / r.sendWindowSeconds())),
      100 * r.sendCpu().stream().mapToDouble(NodeCpu::userSeconds).sum() / r.sendWindowSeconds(),
      100 * r.sendCpu().stream().mapToDouble(NodeCpu::systemSeconds).sum() / r.sendWindowSeconds(),
      r.microsPerDelivery(), r.connectSeconds(), perNode(r.connectCpu(), c -> String.format("%.1f", c.seconds())),
      r.generatorCpuPercent(), r.machineCpuPercent())));

    md.append("\n### W6 where the missing deliveries are\n\nBy route (sender's node → receiver's node: missing of expected), "
        + "by the time from the receiver's join to the message's ack, by second of the step (of the intended send time; only seconds with missing ones).\n\n"
        + "| nodes | msgs/s | run | by route | < 1 s / 1–5 s / 5–15 s / ≥ 15 s after the join | by second |\n"
        + "|---|---|---|---|---|---|\n");
    each((run, r) -> md.append(String.format("| %d | %.0f | %d | %s | %s | %s |%n", r.nodes(), r.rate(), run, routes(r),
      join(r.missingByAge(), " / "), bySecond(r.missingBySecond()))));

    md.append("\n### W6 CPU by kind of thread\n\nSeconds of CPU per node, connect phase → send window "
        + "(the send window lasts the step's seconds).\n\n| nodes | msgs/s | run | node | thread kind | connect s | send s |\n"
        + "|---|---|---|---|---|---|---|\n");
    each((run, r) -> {
      for (int n = 0; n < r.sendCpu().size(); n++) {
        Map<String, Long> connect = r.connectCpu().get(n).threadNanos();
        Map<String, Long> send = r.sendCpu().get(n).threadNanos();
        TreeSet<String> kinds = new TreeSet<>(connect.keySet());
        kinds.addAll(send.keySet());
        for (String kind : kinds) {
          md.append(String.format("| %d | %.0f | %d | %d | %s | %.2f | %.2f |%n", r.nodes(), r.rate(), run, n + 1, kind,
            connect.getOrDefault(kind, 0L) / 1e9, send.getOrDefault(kind, 0L) / 1e9));
        }
      }
    });

    md.append("\n### W6 Hazelcast operations per connect and per message\n\nSummed over the nodes; per connect: from before "
      + "the first socket to the last join (after the settle wait, if any); per message: from then to the end of the drain "
      + "(what connects still cause late counts here). put/remove on Thrume's maps are entry processors that changed the "
      + "entry, counted on the key's owner; get/put/remove on `__vertx.subs` and tickets are counted on the caller; event: "
      + "entry events received.\n\n");
    each((run, r) -> {
      if (r.nodes() > 1) {
        md.append(String.format("%d nodes, %.0f msgs/s, run %d:%n%n| map | op | per connect | per message |%n|---|---|---|---|%n",
          r.nodes(), r.rate(), run));
        HazelcastOps.rows(r.connectOps(), r.sockets(), r.stepOps(), r.acked()).forEach(row -> md.append(row).append('\n'));
        md.append('\n');
      }
    });

    md.append("### W6 CPU second by second\n\n% of one core, summed over the nodes; `|` marks the first send.\n\n");
    each((run, r) -> {
      StringBuilder line = new StringBuilder();
      double[] t = r.cpuTimeline();
      for (int i = 0; i < t.length; i++) {
        line.append(i == r.timelineSendStart() ? " | " : " ").append(String.format("%.0f", t[i]));
      }
      md.append(String.format("- %d nodes, %.0f msgs/s, run %d:%s%n", r.nodes(), r.rate(), run, line));
    });
    return md.append('\n').toString();
  }

  private interface Row {
    void add(int run, Result result);
  }

  private void each(Row row) {
    for (int i = 0; i < results.size(); i++) {
      row.add(runs.get(i), results.get(i));
    }
  }

  private static String perNode(List<NodeCpu> cpu, Function<NodeCpu, String> format) {
    return cpu.stream().map(format).collect(Collectors.joining(" + "));
  }

  private static String routes(Result r) {
    List<String> out = new ArrayList<>();
    for (int from = 0; from < r.nodes(); from++) {
      for (int to = 0; to < r.nodes(); to++) {
        out.add(String.format("%d→%d: %d of %d", from + 1, to + 1, r.missingByRoute()[from][to], r.expectedByRoute()[from][to]));
      }
    }
    return String.join(", ", out);
  }

  /** The seconds of the step with missing deliveries, "second: count", or "none". */
  private static String bySecond(long[] missing) {
    String seconds = IntStream.range(0, missing.length).filter(i -> missing[i] > 0)
      .mapToObj(i -> i + ": " + missing[i]).collect(Collectors.joining(", "));
    return seconds.isEmpty() ? "none" : seconds;
  }

  private static String join(long[] values, String separator) {
    return IntStream.range(0, values.length).mapToObj(i -> Long.toString(values[i])).collect(Collectors.joining(separator));
  }
}

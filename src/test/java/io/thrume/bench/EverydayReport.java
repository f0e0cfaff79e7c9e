package io.thrume.bench;

import io.thrume.bench.ClusterChat.Result;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The W8 section of the report: one node at everyday rates, server CPU per persisted message. A
 * fresh JVM compiles its hot code during the first minute, so besides the whole send window the
 * report gives its second half, where the server runs as it will for days ("steady"). The summary
 * row per rate is one run, the median by steady CPU per message; every run follows.
 */
final class EverydayReport {
  private final Map<Double, List<Entry>> byRate = new LinkedHashMap<>();

  private record Entry(int run, Result result) {
  }

  void add(int run, Result result) {
    byRate.computeIfAbsent(result.rate(), k -> new ArrayList<>()).add(new Entry(run, result));
  }

  boolean isEmpty() {
    return byRate.isEmpty();
  }

  /** % of one core over the second half of the send window (the CPU timeline's seconds). */
  static double steadyPercent(Result r) {
    double[] t = r.cpuTimeline();
    int from = r.timelineSendStart() + r.seconds() / 2;
    int to = Math.min(t.length, r.timelineSendStart() + r.seconds());
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += t[i];
    }
    return to > from ? sum / (to - from) : Double.NaN;
  }

  static double microsPerMessage(double percent, double rate) {
    return percent / 100 * 1e6 / rate;
  }

  private static double seconds(Result r, String kind) {
    return r.sendCpu().stream().mapToLong(c -> c.threadNanos().getOrDefault(kind, 0L)).sum() / 1e9;
  }

  String markdown() {
    StringBuilder md = new StringBuilder("## W8 everyday load\n\nOne node, a fixed population (sockets in conversations of "
      + "20, each registered to its user and conversation), every user sending through `chat.send` at a fixed total rate. "
      + "Server CPU (the JVM only; PostgreSQL and the generator not counted) per persisted message, over the whole send "
      + "window and over its second half (steady: the JIT has compiled the hot code by then). Summary: per rate, the run "
      + "with the median steady CPU per message, every column from that run; then every run.\n\n");
    String header = "| msgs/s | run | sockets | seconds | acked | missing | p50 ms | p99 ms | CPU % (window) | CPU % (steady) "
      + "| µs/message (window) | µs/message (steady) | JIT s | event loops s | GC / VM s |\n"
      + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    md.append(header);
    byRate.forEach((rate, entries) -> {
      List<Entry> sorted = new ArrayList<>(entries);
      sorted.sort(Comparator.comparingDouble(e -> steadyPercent(e.result())));
      row(md, sorted.get((sorted.size() - 1) / 2), "median: ");
    });
    md.append("\nEvery run:\n\n").append(header);
    byRate.forEach((rate, entries) -> entries.forEach(e -> row(md, e, "")));
    return md.append('\n').toString();
  }

  private static void row(StringBuilder md, Entry e, String prefix) {
    Result r = e.result();
    double steady = steadyPercent(r);
    md.append(String.format("| %.0f | %s%d | %d | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.2f | %.2f | %.2f |%n",
      r.rate(), prefix, e.run(), r.sockets(), r.seconds(), r.acked(), r.missing(), r.p50(), r.p99(), r.cpuPercent(), steady,
      microsPerMessage(r.cpuPercent(), r.rate()), microsPerMessage(steady, r.rate()), seconds(r, "JIT"),
      seconds(r, "event loops"), seconds(r, "GC / VM")));
  }
}

package io.thrume.bench;

import io.thrume.bench.Workloads.Churn;
import io.thrume.bench.Workloads.Idle;
import io.thrume.bench.Workloads.Step;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects every run's results and writes the markdown report: for each workload, server and shape
 * the median run (by the workload's main figure: W1 RSS per connection, W2/W3/W5 the rate held,
 * W4 the achieved rate), every column from that one run, then every run; then every step of every run.
 */
final class Report {
  private final Benchmark.Options options;
  private final String postgresVersion;
  private final Set<String> flags = new LinkedHashSet<>();
  private final Map<String, List<Idle>> idle = new LinkedHashMap<>();
  private final Map<String, List<List<Step>>> stepped = new LinkedHashMap<>();
  private final Map<String, List<Churn>> churn = new LinkedHashMap<>();
  private final ClusterChatReport clusterChat = new ClusterChatReport();
  private final EverydayReport everyday = new EverydayReport();
  private final List<SearchLoad.Result> searches = new java.util.ArrayList<>();

  Report(Benchmark.Options options, BenchDatabase db) throws Exception {
    this.options = options;
    this.postgresVersion = db.serverVersion();
  }

  void flags(BenchServer server) {
    flags.add(server.name() + ": " + server.flags());
  }

  void idle(String server, int connections, Idle result) {
    idle.computeIfAbsent(server + " | " + connections, k -> new ArrayList<>()).add(result);
  }

  void stepped(String workload, String server, String shape, List<Step> steps) {
    stepped.computeIfAbsent(workload + " | " + server + " | " + shape, k -> new ArrayList<>()).add(steps);
  }

  void churn(String server, double rate, Churn result) {
    churn.computeIfAbsent(server + " | " + String.format("%.0f", rate), k -> new ArrayList<>()).add(result);
  }

  void search(SearchLoad.Result result) {
    searches.add(result);
  }

  void everyday(int run, ClusterChat.Result result) {
    everyday.add(run, result);
  }

  void clusterChat(int run, ClusterChat.Result result) {
    clusterChat.add(run, result);
  }

  void write(int runsDone) throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# Thrume benchmark results\n\n");
    md.append("Written ").append(Instant.now()).append(" after ").append(runsDone).append(" of ").append(options.runs())
      .append(" runs; each summary row is one whole run, the median run by the workload's main figure, followed by "
        + "every run.\n\n");
    md.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs visible to the generator, ")
      .append(cpuModel()).append(", ").append(memory()).append("\n");
    md.append("- Servers pinned with `").append(String.join(" ", options.launcher()))
      .append("` (empty: not pinned); PostgreSQL ").append(postgresVersion)
      .append(" (embedded) and the generator are not pinned.\n");
    flags.forEach(f -> md.append("- ").append(f).append("\n"));
    md.append("- Options: runs ").append(options.runs()).append(", ").append(options.seconds()).append(" s per step, W1 ")
      .append(Arrays.toString(options.idleSizes()))
      .append(options.idleWarmupSockets() > 0 ? " after " + options.idleWarmupSockets() + " sockets connected and closed" : "")
      .append(", W2 members ").append(Arrays.toString(options.fanoutMembers()))
      .append(" on ").append(options.fanoutSockets()).append(" sockets, W3/W5 ").append(options.chatUsers())
      .append(" users, W4 ").append(Arrays.toString(options.churnRates())).append("/s for ").append(options.churnSeconds())
      .append(" s").append(options.churnWarmupSeconds() > 0 ? " after " + options.churnWarmupSeconds() + " s of warm-up at that rate" : "")
      .append(", W6 ").append(Arrays.toString(options.w6().nodes())).append(" nodes at ")
      .append(Arrays.toString(options.w6().rates())).append(" msgs/s for ").append(options.w6().seconds()).append(" s, ")
      .append(options.w6().sockets()).append(" sockets, settle ").append(options.w6().settleMs()).append(" ms, drain ≤ ")
      .append(options.w6().drainMs()).append(" ms\n\n");

    if (!idle.isEmpty()) {
      md.append("## W1 idle connections\n\nFor each server and size, the run with the median RSS per connection (every "
        + "column from that run; ties: run order), then every run.\n\n| server | connections | run | connects/s | server CPU µs per connect "
        + "| database CPU µs per connect | generator CPU % | machine CPU % | heap per connection "
        + "| RSS per connection | heartbeat CPU % | heartbeat µs per connection·s | dropped |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      idle.forEach((key, runs) -> {
        int median = medianRun(runs, Comparator.comparingDouble(Idle::rssBytesPerConnection));
        idleRow(md, key, "**median: run " + (median + 1) + "**", runs.get(median));
        for (int r = 0; r < runs.size(); r++) {
          idleRow(md, key, "run " + (r + 1), runs.get(r));
        }
      });
      md.append("\n");
    }
    for (String workload : List.of("W2", "W3", "W5")) {
      Map<String, List<List<Step>>> rows = new LinkedHashMap<>();
      stepped.forEach((k, v) -> {
        if (k.startsWith(workload + " | ")) {
          rows.put(k.substring(workload.length() + 3), v);
        }
      });
      if (rows.isEmpty()) {
        continue;
      }
      md.append("## ").append(title(workload)).append("\n\nThe highest rate held (p99 ≤ ").append((int) Workloads.MAX_P99_MS)
        .append(" ms, nothing lost, duplicated or refused) and the figures at that rate; \"next\" is the rate that was not held. ")
        .append("For each server and shape, the run with the median rate held (ties on the rate: by the p99 there, the worse ")
        .append("first; of an even number of runs, the lower middle one), every column from that run, then every run.\n\n")
        .append("| server | shape | run | msgs/s held | deliveries/s | persisted/s | p50 ms | p99 ms | p99.9 ms "
          + "| CPU µs/delivery | CPU µs/message | generator CPU % | machine CPU % | next msgs/s (p99 ms, lost, dup, errors) |\n"
          + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      rows.forEach((key, runs) -> {
        int median = medianRun(runs, BY_HELD_RATE);
        steppedRow(md, key, "**median: run " + (median + 1) + "**", runs.get(median));
        for (int r = 0; r < runs.size(); r++) {
          steppedRow(md, key, "run " + (r + 1), runs.get(r));
        }
      });
      md.append("\n");
    }
    if (!churn.isEmpty()) {
      md.append("## W4 churn\n\nNew sessions on a fixed schedule: token → ticket (Thrume) → socket → join → the 20 "
        + "messages after seq 20; held 5 s, closed. Latency from the intended start to the history's arrival. For each server "
        + "and target, the run with the median achieved rate (every column from that run; ties: run order), then every run.\n\n"
        + "| server | target sessions/s | run | achieved/s | p50 ms | p99 ms | p99.9 ms | failed | CPU µs/session "
        + "| generator CPU % | machine CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
      churn.forEach((key, runs) -> {
        int median = medianRun(runs, Comparator.comparingDouble(Churn::achievedPerSecond));
        churnRow(md, key, "**median: run " + (median + 1) + "**", runs.get(median));
        for (int r = 0; r < runs.size(); r++) {
          churnRow(md, key, "run " + (r + 1), runs.get(r));
        }
      });
      md.append("\n");
    }
    if (!clusterChat.isEmpty()) {
      md.append(clusterChat.markdown());
    }
    if (!everyday.isEmpty()) {
      md.append(everyday.markdown());
    }
    if (!searches.isEmpty()) {
      md.append("## W7 message search\n\nGET /api/search/messages over the messages of 500 conversations of 20, by two "
        + "groups of users: typical (each in one conversation) and heavy (each in " + options.heavyConversations()
        + " of them); one word, two words or a word's first three characters, from a skewed vocabulary of "
        + BenchDatabase.VOCABULARY + " words; a fixed number in flight; the typical group first, then the heavy one, on "
        + "the same server. Per group, the run with the median p99 (every column from that run; ties: run order), then every run.\n\n"
        + "| group | run | messages in scope | messages | searches | in flight | p50 ms | p99 ms | max ms | searches/s "
        + "| results per search | server CPU µs per search | failed |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (String group : searches.stream().map(SearchLoad.Result::group).distinct().toList()) {
        List<SearchLoad.Result> runs = searches.stream().filter(r -> r.group().equals(group)).toList();
        // the summary is one run, the median by p99, never columns from different runs
        List<SearchLoad.Result> byP99 = new java.util.ArrayList<>(runs);
        byP99.sort(java.util.Comparator.comparingDouble(SearchLoad.Result::p99));
        SearchLoad.Result median = byP99.get((byP99.size() - 1) / 2);
        md.append(searchRow(group, "median run by p99 (run " + (runs.indexOf(median) + 1) + ")", median));
        for (int i = 0; i < runs.size(); i++) {
          md.append(searchRow(group, String.valueOf(i + 1), runs.get(i)));
        }
      }
      md.append("\n");
    }
    md.append("## Every step of every run\n\nOn a cluster, \"p50 same / other node\" splits the p50 by route: the "
      + "receiving socket on the sender's node, or on another (socket i is on node i mod n). \"PostgreSQL CPU µs/message\": the "
      + "CPU time of the database's processes over the step, per message acknowledged (W2/W3/W5 store every message; the "
      + "servers' own CPU is not in it).\n\n"
      + "| workload | server | shape | run | msgs/s | deliveries/s | persisted/s | p50 | p50 same / other node | p99 "
      + "| p99.9 | lost | dup | errors | CPU µs/delivery | of it in the kernel | PostgreSQL CPU µs/message | generator CPU % "
      + "| machine CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    stepped.forEach((key, runs) -> {
      for (int r = 0; r < runs.size(); r++) {
        for (Step s : runs.get(r)) {
          String split = Double.isNaN(s.p50OtherNode()) ? "—" : String.format("%.1f / %.1f", s.p50SameNode(), s.p50OtherNode());
          md.append(String.format("| %s | %d | %.0f | %.0f | %.0f | %.1f | %s | %.1f | %.1f | %d | %d | %d | %.1f | %.1f | %.0f | %.0f | %.0f |%n",
            key, r + 1, s.rate(), s.deliveriesPerSecond(), s.persistedPerSecond(), s.p50(), split, s.p99(), s.p999(), s.lost(),
            s.duplicated(), s.errors(), s.cpuMicrosPerDelivery(), s.kernelMicrosPerDelivery(), s.databaseMicrosPerMessage(),
            s.generatorCpuPercent(), s.machineCpuPercent()));
        }
      }
    });
    Files.createDirectories(options.out().toAbsolutePath().getParent());
    Files.writeString(options.out(), md.toString());
    System.out.println(md);
  }

  private static String title(String workload) {
    return switch (workload) {
      case "W2" -> "W2 fan-out (one sender per conversation)";
      case "W3" -> "W3 chat (conversations of 20, 1× = one message per user per 10 s, persisted)";
      default -> "W5 cluster tax (W3 on a Hazelcast cluster of Thrume nodes, all pinned like the single node)";
    };
  }

  /** A stepped run's main figure: the highest rate held (0 when none was), then the p99 there, lower is better. */
  static final Comparator<List<Step>> BY_HELD_RATE = Comparator.<List<Step>>comparingDouble(Report::heldRate)
    .thenComparing(Comparator.<List<Step>>comparingDouble(steps -> highestHeld(steps).p99()).reversed());

  static double heldRate(List<Step> steps) {
    return steps.stream().anyMatch(Step::held) ? highestHeld(steps).rate() : 0;
  }

  /**
   * The index of the median run by {@code order} (worst first; of an even number, the lower of
   * the two middle runs; equal runs keep their order): one whole run, never columns of several.
   */
  static <T> int medianRun(List<T> runs, Comparator<T> order) {
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      indexes.add(i);
    }
    indexes.sort((a, b) -> order.compare(runs.get(a), runs.get(b)));
    return indexes.get((indexes.size() - 1) / 2);
  }

  private static void idleRow(StringBuilder md, String key, String run, Idle r) {
    md.append(String.format("| %s | %s | %.0f/s | %.0f | %.0f | %.0f | %.0f | %.1f KB | %.1f KB | %.2f | %.3f | %d |%n", key, run,
      r.connectsPerSecond(), r.cpuMicrosPerConnect(), r.databaseMicrosPerConnect(), r.generatorCpuPercent(), r.machineCpuPercent(),
      r.heapBytesPerConnection() / 1024, r.rssBytesPerConnection() / 1024, r.heartbeatCpuPercent(),
      r.heartbeatMicrosPerConnectionSecond(), r.failed()));
  }

  /** One run of a stepped workload: its highest step held (a run that held none: its first step, said so) and the next. */
  private static void steppedRow(StringBuilder md, String key, String run, List<Step> steps) {
    Step best = highestHeld(steps);
    Step next = firstNotHeld(steps);
    boolean heldNone = steps.stream().noneMatch(Step::held);
    md.append(String.format("| %s | %s | %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %s |%n", key, run,
      heldNone ? String.format("none (first step %.0f)", best.rate()) : String.format("%.0f", best.rate()),
      best.deliveriesPerSecond(), best.persistedPerSecond(), best.p50(), best.p99(), best.p999(), best.cpuMicrosPerDelivery(),
      best.cpuMicrosPerMessage(), best.generatorCpuPercent(), best.machineCpuPercent(),
      next == null ? "— (every step held)" : heldNone ? "— (the first step was not held)"
        : String.format("%.0f (%.1f, %d, %d, %d)", next.rate(), next.p99(), next.lost(), next.duplicated(), next.errors())));
  }

  private static void churnRow(StringBuilder md, String key, String run, Churn r) {
    md.append(String.format("| %s | %s | %.1f | %.1f | %.1f | %.0f | %d | %.0f | %.0f | %.0f |%n", key, run,
      r.achievedPerSecond(), r.p50(), r.p99(), r.p999(), r.failed(), r.cpuMicrosPerSession(), r.generatorCpuPercent(),
      r.machineCpuPercent()));
  }

  static Step highestHeld(List<Step> steps) {
    Step best = steps.get(0);
    for (Step s : steps) {
      if (s.held()) {
        best = s;
      }
    }
    return best;
  }

  private static Step firstNotHeld(List<Step> steps) {
    return steps.stream().filter(s -> !s.held()).findFirst().orElse(null);
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  private static String memory() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
    } catch (IOException e) {
      return "unknown memory";
    }
  }

  private static String searchRow(String group, String run, SearchLoad.Result r) {
    return String.format("| %s | %s | %d | %d | %d | %d | %.1f | %.1f | %.1f | %.0f | %.1f | %.0f | %d |%n", group, run, r.scope(),
      r.messages(), r.searches(), r.inFlight(), r.p50(), r.p99(), r.max(), r.perSecond(), r.resultsPerSearch(),
      r.serverCpuMicrosPerSearch(), r.failed());
  }
}

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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/** Collects every run's results and writes the markdown report: medians over runs, then every step of every run. */
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
      .append(" runs; every figure is the median over the runs.\n\n");
    md.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs visible to the generator, ")
      .append(cpuModel()).append(", ").append(memory()).append("\n");
    md.append("- Servers pinned with `").append(String.join(" ", options.launcher()))
      .append("` (empty: not pinned); PostgreSQL ").append(postgresVersion)
      .append(" (embedded) and the generator are not pinned.\n");
    flags.forEach(f -> md.append("- ").append(f).append("\n"));
    md.append("- Options: runs ").append(options.runs()).append(", ").append(options.seconds()).append(" s per step, W1 ")
      .append(Arrays.toString(options.idleSizes())).append(", W2 members ").append(Arrays.toString(options.fanoutMembers()))
      .append(" on ").append(options.fanoutSockets()).append(" sockets, W3/W5 ").append(options.chatUsers())
      .append(" users, W4 ").append(Arrays.toString(options.churnRates())).append("/s for ").append(options.churnSeconds())
      .append(" s, W6 ").append(Arrays.toString(options.w6().nodes())).append(" nodes at ")
      .append(Arrays.toString(options.w6().rates())).append(" msgs/s for ").append(options.w6().seconds()).append(" s, ")
      .append(options.w6().sockets()).append(" sockets, settle ").append(options.w6().settleMs()).append(" ms, drain ≤ ")
      .append(options.w6().drainMs()).append(" ms\n\n");

    if (!idle.isEmpty()) {
      md.append("## W1 idle connections\n\n| server | connections | connects/s | heap per connection | RSS per connection "
        + "| heartbeat CPU % | heartbeat µs per connection·s | dropped |\n|---|---|---|---|---|---|---|---|\n");
      idle.forEach((key, runs) -> md.append(String.format("| %s | %.0f/s | %.1f KB | %.1f KB | %.2f | %.3f | %.0f |%n", key,
        median(runs, Idle::connectsPerSecond), median(runs, Idle::heapBytesPerConnection) / 1024,
        median(runs, Idle::rssBytesPerConnection) / 1024, median(runs, Idle::heartbeatCpuPercent),
        median(runs, Idle::heartbeatMicrosPerConnectionSecond), median(runs, r -> r.failed()))));
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
        .append(" ms, nothing lost or refused) and the figures at that rate; \"next\" is the rate that was not held.\n\n")
        .append("| server | shape | msgs/s held | deliveries/s | persisted/s | p50 ms | p99 ms | p99.9 ms "
          + "| CPU µs/delivery | CPU µs/message | generator CPU % | machine CPU % | next msgs/s (p99 ms, lost, errors) |\n"
          + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      rows.forEach((key, runs) -> {
        // a run that held no step reports its first step, and says so in the first column
        long heldNone = runs.stream().filter(r -> r.stream().noneMatch(Step::held)).count();
        List<Step> best = runs.stream().map(Report::highestHeld).toList();
        List<Step> next = runs.stream().map(Report::firstNotHeld).filter(s -> s != null).toList();
        md.append(String.format("| %s | %s | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %s |%n", key,
          heldNone > runs.size() / 2 ? String.format("none (first step %.0f)", median(best, Step::rate))
            : String.format("%.0f", median(best, Step::rate)), median(best, Step::deliveriesPerSecond), median(best, Step::persistedPerSecond),
          median(best, Step::p50), median(best, Step::p99), median(best, Step::p999),
          median(best, Step::cpuMicrosPerDelivery), median(best, Step::cpuMicrosPerMessage),
          median(best, Step::generatorCpuPercent), median(best, Step::machineCpuPercent), next.isEmpty() ? "—" : String.format("%.0f (%.0f, %.0f, %.0f)",
            median(next, Step::rate), median(next, Step::p99), median(next, s -> s.lost()), median(next, s -> s.errors()))));
      });
      md.append("\n");
    }
    if (!churn.isEmpty()) {
      md.append("## W4 churn\n\nNew sessions on a fixed schedule: token → ticket (Thrume) → socket → join → the 20 "
        + "messages after seq 20; held 5 s, closed. Latency from the intended start to the history's arrival.\n\n"
        + "| server | target sessions/s | achieved/s | p50 ms | p99 ms | p99.9 ms | failed | CPU µs/session "
        + "| generator CPU % | machine CPU % |\n|---|---|---|---|---|---|---|---|---|---|\n");
      churn.forEach((key, runs) -> md.append(String.format("| %s | %.0f | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f | %.0f |%n",
        key, median(runs, Churn::achievedPerSecond), median(runs, Churn::p50), median(runs, Churn::p99),
        median(runs, Churn::p999), median(runs, r -> r.failed()), median(runs, Churn::cpuMicrosPerSession),
        median(runs, Churn::generatorCpuPercent), median(runs, Churn::machineCpuPercent))));
      md.append("\n");
    }
    if (!clusterChat.isEmpty()) {
      md.append(clusterChat.markdown());
    }
    if (!everyday.isEmpty()) {
      md.append(everyday.markdown());
    }
    if (!searches.isEmpty()) {
      md.append("## W7 message search\n\nGET /api/search/messages by users of 500 conversations of 20 over the messages "
        + "stored there: one word, two words or a word's first three characters, from a skewed vocabulary of "
        + BenchDatabase.VOCABULARY + " words; a fixed number in flight. The run with the median p99, then every run.\n\n"
        + "| run | messages | searches | in flight | p50 ms | p99 ms | max ms | searches/s | results per search "
        + "| server CPU µs per search | failed |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
      // the summary is one run, the median by p99, never columns from different runs
      List<SearchLoad.Result> byP99 = new java.util.ArrayList<>(searches);
      byP99.sort(java.util.Comparator.comparingDouble(SearchLoad.Result::p99));
      SearchLoad.Result median = byP99.get((byP99.size() - 1) / 2);
      int medianRun = searches.indexOf(median) + 1;
      md.append(String.format("| median run by p99 (run %d) | %d | %d | %d | %.1f | %.1f | %.1f | %.0f | %.1f | %.0f | %d |%n",
        medianRun, median.messages(), median.searches(), median.inFlight(), median.p50(), median.p99(), median.max(),
        median.perSecond(), median.resultsPerSearch(), median.serverCpuMicrosPerSearch(), median.failed()));
      for (int i = 0; i < searches.size(); i++) {
        SearchLoad.Result r = searches.get(i);
        md.append(String.format("| %d | %d | %d | %d | %.1f | %.1f | %.1f | %.0f | %.1f | %.0f | %d |%n", i + 1, r.messages(),
          r.searches(), r.inFlight(), r.p50(), r.p99(), r.max(), r.perSecond(), r.resultsPerSearch(), r.serverCpuMicrosPerSearch(),
          r.failed()));
      }
      md.append("\n");
    }
    md.append("## Every step of every run\n\n| workload | server | shape | run | msgs/s | deliveries/s | persisted/s | p50 | p99 "
      + "| p99.9 | lost | dup | errors | CPU µs/delivery | generator CPU % | machine CPU % |\n"
      + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    stepped.forEach((key, runs) -> {
      for (int r = 0; r < runs.size(); r++) {
        for (Step s : runs.get(r)) {
          md.append(String.format("| %s | %d | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %d | %d | %d | %.1f | %.0f | %.0f |%n",
            key, r + 1, s.rate(), s.deliveriesPerSecond(), s.persistedPerSecond(), s.p50(), s.p99(), s.p999(), s.lost(),
            s.duplicated(), s.errors(), s.cpuMicrosPerDelivery(), s.generatorCpuPercent(), s.machineCpuPercent()));
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

  private static Step highestHeld(List<Step> steps) {
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

  static <T> double median(List<T> values, ToDoubleFunction<T> field) {
    double[] v = values.stream().mapToDouble(field).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
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
}

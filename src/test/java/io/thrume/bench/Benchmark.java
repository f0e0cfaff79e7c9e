package io.thrume.bench;

import io.thrume.bench.BenchDatabase.Population;
import io.thrume.bench.Workloads.Churn;
import io.thrume.bench.Workloads.Idle;
import io.thrume.bench.Workloads.Step;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark of issue 6: Thrume and a Socket.IO 4.8 peer, the same generator and workloads
 * (W1 idle, W2 fan-out, W3 chat, W4 churn, W5 Thrume's cluster tax), each run {@code --runs}
 * times on a fresh server process; medians go to a markdown report. Run it with
 * {@code bash bench/run.sh [options]} (options in docs/performance.md).
 */
public final class Benchmark {
  private final Options options;
  private final BenchDatabase db;
  private final Vertx vertx;
  private final Clients clients;
  private final Report report;
  /** The server running now, stopped by PID by a shutdown hook if the benchmark is interrupted. */
  private volatile BenchServer running;
  /** The run under way, for the names of recordings. */
  private int run;

  record Options(int runs, List<String> workloads, List<String> servers, int seconds, int warmupSeconds, int[] idleSizes,
                 int idleMembers, int idleWarmupSockets, int[] fanoutMembers, int fanoutSockets, int chatUsers, int churnSeconds, double[] churnRates, int churnWarmupSeconds,
                 int[] clusterNodes, ClusterChat.Options w6, ClusterChat.Options w8, int searchMessages, int searches, int searchInFlight,
                 int heavyUsers, int heavyConversations, int heavySearches, List<String> launcher, Path out) {
    static Options parse(String[] args) {
      Map<String, String> a = new HashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
      }
      String cpus = a.getOrDefault("server-cpus", System.getenv().getOrDefault("BENCH_SERVER_CPUS", "0"));
      List<String> launcher = cpus.isEmpty() || !Files.isExecutable(Path.of("/usr/bin/taskset")) ? List.of()
        : List.of("/usr/bin/taskset", "-c", cpus);
      return new Options(Integer.parseInt(a.getOrDefault("runs", "3")),
        List.of(a.getOrDefault("workloads", "W1,W2,W3,W4,W5,W6,W7,W8").split(",")),
        servers(a.getOrDefault("servers", "thrume,socketio,socketio-naive")),
        Integer.parseInt(a.getOrDefault("seconds", "10")), Integer.parseInt(a.getOrDefault("warmup-seconds", a.getOrDefault("seconds", "10"))),
        ints(a.getOrDefault("idle", "10000,19000")), Integer.parseInt(a.getOrDefault("idle-members", "20")),
        Integer.parseInt(a.getOrDefault("idle-warmup-sockets", "0")), ints(a.getOrDefault("members", "10,100,1000")),
        Integer.parseInt(a.getOrDefault("fanout-sockets", "1000")),
        Integer.parseInt(a.getOrDefault("chat-users", "10000")),
        Integer.parseInt(a.getOrDefault("churn-seconds", "60")),
        Arrays.stream(a.getOrDefault("churn-rates", "1000,2000").split(",")).mapToDouble(Double::parseDouble).toArray(),
        Integer.parseInt(a.getOrDefault("churn-warmup-seconds", "0")),
        ints(a.getOrDefault("nodes", "2,3")),
        new ClusterChat.Options(ints(a.getOrDefault("w6-nodes", "1,2")),
          Arrays.stream(a.getOrDefault("w6-rates", "100,400").split(",")).mapToDouble(Double::parseDouble).toArray(),
          Integer.parseInt(a.getOrDefault("w6-seconds", "20")), Integer.parseInt(a.getOrDefault("w6-sockets", "2000")), 20,
          Long.parseLong(a.getOrDefault("w6-settle-ms", "0")), Long.parseLong(a.getOrDefault("w6-drain-ms", "10000"))),
        new ClusterChat.Options(new int[] {1},
          Arrays.stream(a.getOrDefault("w8-rates", "100,400").split(",")).mapToDouble(Double::parseDouble).toArray(),
          Integer.parseInt(a.getOrDefault("w8-seconds", "120")), Integer.parseInt(a.getOrDefault("w8-sockets", "2000")), 20,
          0, 10_000),
        Integer.parseInt(a.getOrDefault("search-messages", "1000000")), Integer.parseInt(a.getOrDefault("searches", "3000")),
        Integer.parseInt(a.getOrDefault("search-in-flight", "4")),
        Integer.parseInt(a.getOrDefault("heavy-users", "20")), Integer.parseInt(a.getOrDefault("heavy-conversations", "50")),
        Integer.parseInt(a.getOrDefault("heavy-searches", a.getOrDefault("searches", "3000"))),
        launcher, Path.of(a.getOrDefault("out", "target/bench/results.md")));
    }

    /** thrume, socketio (the peer with group commit like Thrume's), socketio-naive (one transaction per message). */
    private static List<String> servers(String csv) {
      List<String> servers = List.of(csv.split(","));
      for (String s : servers) {
        if (!List.of("thrume", "socketio", "socketio-naive").contains(s)) {
          throw new IllegalArgumentException("--servers: thrume, socketio or socketio-naive, not " + s);
        }
      }
      return servers;
    }

    private static int[] ints(String csv) {
      return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
  }

  private Benchmark(Options options) throws Exception {
    this.options = options;
    this.db = new BenchDatabase();
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    this.clients = new Clients(vertx, 16);
    this.report = new Report(options, db);
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Benchmark bench = new Benchmark(options);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      BenchServer s = bench.running;
      if (s != null) {
        s.close();
      }
    }));
    try {
      bench.runAll();
    } finally {
      bench.clients.close();
      bench.vertx.close().await();
      bench.db.close();
    }
    System.exit(0);
  }

  private void runAll() throws Exception {
    System.out.println("benchmark " + Instant.now() + ": " + options);
    for (run = 1; run <= options.runs(); run++) {
      for (String server : options.servers()) {
        boolean thrume = server.equals("thrume");
        // the naive peer differs from the other only in how it stores messages: W1 and W4 store none
        boolean naive = server.equals("socketio-naive");
        if (options.workloads().contains("W1") && !naive) {
          for (int size : options.idleSizes()) {
            Population p = db.seed(size, options.idleMembers(), 0);
            db.resetStatements();
            Idle idle = with(server, 1, "W1-" + size, w -> w.idle(p, size, options.idleWarmupSockets(), 30));
            db.saveStatements("run" + run + "-" + server + "-W1-" + size);
            System.out.printf("run %d %s W1 %d: %s%n", run, server, size, idle);
            report.idle(name(server), size, idle);
          }
        }
        if (options.workloads().contains("W2")) {
          for (int members : options.fanoutMembers()) {
            int sockets = Math.max(members, options.fanoutSockets() / members * members);
            Population p = db.seed(sockets, members, 0);
            double[] rates = Arrays.stream(new double[] {5_000, 10_000, 20_000, 40_000, 60_000, 80_000, 100_000,
              130_000, 160_000, 200_000, 250_000}).map(d -> d / members).toArray();
            int conversations = sockets / members;
            List<Step> steps = with(server, 1, "W2-" + members, w -> {
              w.connect(p, sockets);
              Thread.sleep(1000);
              return w.stepped(p, rates, options.seconds(), options.warmupSeconds(), members, k -> (k % conversations) * members, "w2r" + members);
            });
            report.stepped("W2", name(server), members + " members × " + conversations, steps);
          }
        }
        if (options.workloads().contains("W3")) {
          report.stepped("W3", name(server), options.chatUsers() + " users", chat(server, 1));
        }
        if (options.workloads().contains("W4") && !naive) {
          Population p = db.seed(options.chatUsers(), 20, 40);
          for (double rate : options.churnRates()) {
            // a warm-up at the same rate first, when asked: the measured minute then leaves out the JIT's first work
            Churn churn = with(server, 1, String.format("W4-%.0f", rate), w -> {
              if (options.churnWarmupSeconds() > 0) {
                w.churn(p, rate, options.churnWarmupSeconds(), 20, 5000);
              }
              return w.churn(p, rate, options.churnSeconds(), 20, 5000);
            });
            System.out.printf("run %d %s W4 %.0f/s: %s%n", run, server, rate, churn);
            report.churn(name(server), rate, churn);
          }
        }
        if (options.workloads().contains("W5") && thrume) {
          for (int nodes : options.clusterNodes()) {
            report.stepped("W5", nodes + " nodes", options.chatUsers() + " users", chat(server, nodes));
          }
        }
        if (options.workloads().contains("W6") && thrume) {
          ClusterChat.Options w6 = options.w6();
          for (int nodes : w6.nodes()) {
            for (double rate : w6.rates()) {
              // new conversations (and users) for every run, as the outside harness made them
              Population p = db.seed(w6.sockets(), w6.members(), 0);
              String label = String.format("W6-%dnodes-%.0f", nodes, rate);
              ClusterChat.Result r = with(server, nodes, label, w -> new ClusterChat(vertx, clients,
                (BenchServer.Thrume) w.server(), w6, "run" + run + "-" + label).run(p, rate));
              report.clusterChat(run, r);
            }
          }
        }
        if (options.workloads().contains("W8") && thrume) {
          ClusterChat.Options w8 = options.w8();
          for (double rate : w8.rates()) {
            Population p = db.seed(w8.sockets(), w8.members(), 0);
            String label = String.format("W8-%.0f", rate);
            ClusterChat.Result r = with(server, 1, label, w -> new ClusterChat(vertx, clients,
              (BenchServer.Thrume) w.server(), w8, "run" + run + "-" + label).run(p, rate));
            report.everyday(run, r);
          }
        }
        if (options.workloads().contains("W7") && thrume) {
          // 10,000 users in conversations of 20, the messages spread over their 500 conversations;
          // then the heavy searchers join 50 of those conversations each (the messages stay the same)
          Population p = db.seed(options.chatUsers(), 20, 0);
          db.seedMessages(p, options.searchMessages());
          List<String> heavy = db.addHeavyUsers(p, options.heavyUsers(), options.heavyConversations());
          long perConversation = options.searchMessages() / p.conversations().size();
          // one server, the typical group first exactly as before there were groups, then the heavy one
          List<SearchLoad.Result> results = with(server, 1, "W7", w -> List.of(
            new SearchLoad(w.server(), "typical", p.users(), perConversation, 7)
              .run(options.searchMessages(), 300, options.searches(), options.searchInFlight()),
            new SearchLoad(w.server(), "heavy", heavy, perConversation * Math.min(options.heavyConversations(), p.conversations().size()), 11)
              .run(options.searchMessages(), 300, options.heavySearches(), options.searchInFlight())));
          for (SearchLoad.Result r : results) {
            System.out.printf("run %d %s W7: %s%n", run, server, r);
            report.search(r);
          }
        }
      }
      report.write(run);
    }
  }

  /** W3: users in conversations of 20, each sending one message per 10 s at 1×, stepped up. */
  private List<Step> chat(String server, int nodes) throws Exception {
    int users = options.chatUsers();
    Population p = db.seed(users, 20, 0);
    double base = users / 10.0;
    double[] rates = Arrays.stream(new double[] {1, 2, 3, 4, 5, 6, 8, 10}).map(x -> x * base).toArray();
    return with(server, nodes, nodes == 1 ? "W3" : "W5-" + nodes + "nodes", w -> {
      w.connect(p, users);
      Thread.sleep(2000);
      return w.stepped(p, rates, options.seconds(), options.warmupSeconds(), 20, k -> k % users, "w3n" + nodes);
    });
  }

  private static String name(String server) {
    return switch (server) {
      case "thrume" -> "Thrume";
      case "socketio-naive" -> "Socket.IO 4.8 naive";
      default -> "Socket.IO 4.8";
    };
  }

  interface Work<T> {
    T run(Workloads w) throws Exception;
  }

  /**
   * Starts a fresh server, runs the work with it, closes the sockets and stops the server;
   * {@code label} names its JFR recordings (BENCH_JFR), prefixed with the run.
   */
  private <T> T with(String server, int nodes, String label, Work<T> work) throws Exception {
    try (BenchServer s = server.equals("thrume") ? BenchServer.Thrume.start(db, nodes, thrumeConfig(), options.launcher(), "run" + run + "-" + label)
      : BenchServer.SocketIo.start(db, options.launcher(), server.equals("socketio-naive"))) {
      running = s;
      report.flags(s);
      Workloads w = new Workloads(vertx, clients, s);
      try {
        return work.run(w);
      } finally {
        w.closeAll();
        running = null;
      }
    }
  }

  /** Limits meant for people, relaxed so one generator can stand for thousands of them. */
  static JsonObject thrumeConfig() {
    return new JsonObject()
      .put("auth", new JsonObject().put("attemptsBurst", 1_000_000).put("attemptsPerMinute", 1_000_000))
      .put("chat", new JsonObject().put("sendBurst", 1_000_000).put("sendPerSecond", 1_000_000.0)
        .put("actionBurst", 1_000_000).put("actionPerSecond", 1_000_000.0))
      .put("limits", new JsonObject().put("search", new JsonObject().put("burst", 1_000_000).put("perSecond", 1_000_000.0)));
  }

}

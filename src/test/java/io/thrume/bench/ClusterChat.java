package io.thrume.bench;

import io.thrume.bench.BenchDatabase.Population;
import io.thrume.bench.Clients.Session;
import io.thrume.bench.Clients.ThrumeSession;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * W6, "W5 as a new user would": the shape in which an outside harness found deliveries missing
 * on a cluster, which W5 did not see. Against a fresh server with fresh conversations:
 * <ul>
 *   <li>socket i on node i mod n; every ticket taken from node 1 (a ticket is good on every node);</li>
 *   <li>each socket registers its {@code user.<id>} and its {@code conversation.<id>}, then asks
 *   {@code chat.sync} (its join is done with the answer);</li>
 *   <li>the sends start as soon as the last socket joined (people chat when the page is up; W5
 *   waited 2 s and then ran an unrecorded warm-up step, which hid anything that goes wrong while
 *   the cluster settles); every user sends through {@code chat.send} with a reply, message k from
 *   member (k / conversations) mod size of conversation k mod conversations.</li>
 * </ul>
 * Counted per socket: a delivery is expected for every message acked after the socket's join
 * was answered (the register frames went before the sync on the same socket, so that is the
 * earliest a client can believe itself registered), in its conversation; it is missing when not
 * received by the end of the drain wait after the last send. Missing deliveries are broken down
 * by sender and receiver node, by how long after the receiver's join the message was acked, and
 * by second of the step, to tell a registration that never arrives from one that arrives late.
 * Server CPU is read per node from /proc: % of one core over the send window (summed over the
 * nodes, which share one core when pinned), µs per delivery received in that window, user and
 * kernel time, per kind of thread; and Hazelcast's operations per map per connect and per message.
 */
final class ClusterChat {
  /** How many sockets join at a time. */
  private static final int IN_FLIGHT = 300;
  /** Buckets of the time from a receiver's join to a message's ack, for the missing ones. */
  private static final long[] AGE_LIMITS_MS = {1000, 5000, 15000};

  record Options(int[] nodes, double[] rates, int seconds, int sockets, int members, long settleMs, long drainMs) {
  }

  /** CPU of one node over one window. */
  record NodeCpu(double seconds, double userSeconds, double systemSeconds, Map<String, Long> threadNanos) {
  }

  record Result(int nodes, double rate, int seconds, int sockets, double connectSeconds, List<NodeCpu> connectCpu,
                double settleSeconds, double settleCpuSeconds, long sent, long acked, long errors, long refusals,
                long expected, long received, long missing, long duplicated, long outOfOrder, double p50, double p99,
                double p999, double sendWindowSeconds, long receivedInWindow, List<NodeCpu> sendCpu,
                long[][] expectedByRoute, long[][] missingByRoute, long[] missingByAge, long[] missingBySecond,
                Map<String, Double> connectOps, Map<String, Double> stepOps, double[] cpuTimeline, int timelineSendStart,
                double generatorCpuPercent, double machineCpuPercent) {

    double cpuSeconds(List<NodeCpu> cpu) {
      return cpu.stream().mapToDouble(NodeCpu::seconds).sum();
    }

    double cpuPercent() {
      return 100 * cpuSeconds(sendCpu) / sendWindowSeconds;
    }

    double microsPerDelivery() {
      return cpuSeconds(sendCpu) * 1e6 / Math.max(1, receivedInWindow);
    }

    double missingPercent() {
      return expected == 0 ? 0 : 100.0 * missing / expected;
    }

    String summary() {
      StringBuilder nodesCpu = new StringBuilder();
      for (int n = 0; n < sendCpu.size(); n++) {
        nodesCpu.append(n == 0 ? "" : ", ").append(String.format("node %d %.1f%%", n + 1,
          100 * sendCpu.get(n).seconds() / sendWindowSeconds));
      }
      return String.format("%d node(s), %.0f msgs/s: sent %d, acked %d, errors %d, expected %d, received %d, "
          + "MISSING %d (%.2f%%), dup %d, out of order %d, p50 %.1f p99 %.1f ms; CPU %.1f%% of a core (%s), "
          + "%.1f µs/delivery; connect %.1f s", nodes, rate, sent, acked, errors, expected, received, missing,
        missingPercent(), duplicated, outOfOrder, p50, p99, cpuPercent(), nodesCpu, microsPerDelivery(), connectSeconds);
    }
  }

  private final Vertx vertx;
  private final Clients clients;
  private final BenchServer.Thrume server;
  private final Options options;
  private final String label;
  private final Deliveries deliveries = new Deliveries();

  ClusterChat(Vertx vertx, Clients clients, BenchServer.Thrume server, Options options, String label) {
    this.vertx = vertx;
    this.clients = clients;
    this.server = server;
    this.options = options;
    this.label = label;
  }

  /** Joins every socket, then sends {@code rate} messages/s for the options' seconds; closes the sockets. */
  Result run(Population population, double rate) throws Exception {
    int sockets = options.sockets();
    int nodes = server.ports().length;
    CpuTimeline timeline = new CpuTimeline(server.pids());
    Phases phases = new Phases();
    Session[] opened = new Session[sockets];
    long[] joinedAt = new long[sockets];
    try (Heartbeats heartbeats = new Heartbeats(vertx, Protocol.THRUME)) {
      heartbeats.of(opened);
      deliveries.reset(sockets);
      // connect: ticket from node 1, socket to its own node, user and conversation registered, sync
      Map<String, Double> opsBefore = HazelcastOps.read(server::metrics, nodes);
      Cpu connectCpu = new Cpu(server.pids());
      phases.mark("connect");
      long connectStart = System.nanoTime();
      connect(population, opened, joinedAt);
      double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      List<NodeCpu> connectUse = connectCpu.since();
      Map<String, Double> opsConnected = HazelcastOps.read(server::metrics, nodes);
      System.out.printf("  W6 %s: %d sockets joined in %.1f s%n", server.name(), sockets, connectSeconds);
      double settleCpu = 0;
      if (options.settleMs() > 0) {
        phases.mark("settle");
        Cpu settle = new Cpu(server.pids());
        Thread.sleep(options.settleMs());
        settleCpu = settle.since().stream().mapToDouble(NodeCpu::seconds).sum();
        opsConnected = HazelcastOps.read(server::metrics, nodes);
      }
      phases.mark("send");
      int sendStart = timeline.size();
      Send send = send(population, rate, opened);
      phases.mark("end");
      Map<String, Double> opsAfter = HazelcastOps.read(server::metrics, nodes);
      phases.write(label);
      Result result = count(nodes, rate, population, joinedAt, send, connectSeconds, connectUse,
        options.settleMs() / 1e3, settleCpu, HazelcastOps.delta(opsBefore, opsConnected),
        HazelcastOps.delta(opsConnected, opsAfter), timeline.stop(), sendStart, refusals(opened));
      System.out.println("  W6 " + result.summary());
      return result;
    } finally {
      timeline.stop();
      for (Session s : opened) {
        if (s != null) {
          s.close();
        }
      }
      Thread.sleep(1000);
    }
  }

  private void connect(Population population, Session[] opened, long[] joinedAt) throws Exception {
    int[] ports = server.ports();
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    AtomicInteger failed = new AtomicInteger();
    for (int i = 0; i < opened.length; i++) {
      inFlight.acquire();
      int socket = i;
      String conversation = population.conversationOf(socket);
      clients.open(Protocol.THRUME, ports[0], ports[socket % ports.length], population.token(socket), socket, deliveries)
        .compose(s -> {
          ((ThrumeSession) s).register("user." + population.users().get(socket));
          return s.join(conversation, 0).map(s);
        })
        .onComplete(ar -> {
          if (ar.succeeded()) {
            joinedAt[socket] = System.nanoTime();
            opened[socket] = ar.result();
          } else {
            failed.incrementAndGet();
          }
          inFlight.release();
        });
    }
    inFlight.acquire(IN_FLIGHT);
    inFlight.release(IN_FLIGHT);
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " of " + opened.length + " sockets failed to join");
    }
  }

  /** What the send window did: each message's sender and ack time (0: not acked). */
  private record Send(int total, int[] sender, long start, long interval, AtomicLongArray ackedAt, long acked,
                      long answered, double windowSeconds, long receivedInWindow, List<NodeCpu> cpu,
                      double generatorPercent, double machinePercent) {
  }

  private Send send(Population population, double rate, Session[] opened) throws Exception {
    int total = (int) Math.round(rate * options.seconds());
    int conversations = population.conversations().size();
    int members = population.size();
    int[] sender = new int[total];
    for (int k = 0; k < total; k++) {
      sender[k] = (k % conversations) * members + (k / conversations) % members;
    }
    AtomicLongArray ackedAt = new AtomicLongArray(total);
    AtomicLong acked = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    long interval = (long) (1e9 / rate);
    deliveries.reset(opened.length);
    deliveries.takeLatency();
    Cpu cpu = new Cpu(server.pids());
    long generatorBefore = ProcStats.generatorCpuNanos();
    long[] machineBefore = ProcStats.machineJiffies();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    int[] sent = {0};
    Promise<Void> allSent = Promise.promise();
    long timer = vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      while (sent[0] < total && start + sent[0] * interval <= now) {
        int k = sent[0]++;
        int user = sender[k];
        opened[user].send(population.conversationOf(user), label + "-" + k, Deliveries.content(k, start + k * interval))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              ackedAt.set(k, System.nanoTime());
              acked.incrementAndGet();
            }
            answered.incrementAndGet();
          });
      }
      if (sent[0] >= total) {
        allSent.tryComplete();
      }
    });
    allSent.future().await(options.seconds() + 120L, TimeUnit.SECONDS);
    vertx.cancelTimer(timer);
    // the send window: CPU and deliveries of the load itself, not of the drain
    long windowEnd = start + TimeUnit.SECONDS.toNanos(options.seconds());
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(windowEnd - System.nanoTime())));
    double windowSeconds = (System.nanoTime() - start) / 1e9;
    List<NodeCpu> used = cpu.since();
    long receivedInWindow = deliveries.received();
    double generator = 100 * (ProcStats.generatorCpuNanos() - generatorBefore) / 1e9 / windowSeconds;
    double machine = ProcStats.machineBusyPercent(machineBefore, ProcStats.machineJiffies());
    // the drain: every send answered and every delivery in, or the bound
    long drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.drainMs());
    while (System.nanoTime() < drainDeadline && (answered.get() < total || deliveries.received() < acked.get() * members)) {
      Thread.sleep(20);
    }
    return new Send(total, sender, start, interval, ackedAt, acked.get(), answered.get(), windowSeconds, receivedInWindow,
      used, generator, machine);
  }

  private Result count(int nodes, double rate, Population population, long[] joinedAt, Send send, double connectSeconds,
                       List<NodeCpu> connectCpu, double settleSeconds, double settleCpu, Map<String, Double> connectOps,
                       Map<String, Double> stepOps, double[] timeline, int sendStart, long refusals) {
    int members = population.size();
    // the messages of each conversation (socket s is in conversation s / members)
    List<List<Integer>> byConversation = new ArrayList<>();
    for (int c = 0; c < population.conversations().size(); c++) {
      byConversation.add(new ArrayList<>());
    }
    for (int k = 0; k < send.total(); k++) {
      byConversation.get(send.sender()[k] / members).add(k);
    }
    long expected = 0;
    long missing = 0;
    long[][] expectedByRoute = new long[nodes][nodes];
    long[][] missingByRoute = new long[nodes][nodes];
    long[] byAge = new long[AGE_LIMITS_MS.length + 1];
    long[] bySecond = new long[options.seconds() + 1];
    for (int s = 0; s < joinedAt.length; s++) {
      for (int k : byConversation.get(s / members)) {
        long acked = send.ackedAt().get(k);
        if (acked == 0 || acked <= joinedAt[s]) {
          continue;
        }
        int from = send.sender()[k] % nodes;
        expected++;
        expectedByRoute[from][s % nodes]++;
        if (!deliveries.saw(s, k)) {
          missing++;
          missingByRoute[from][s % nodes]++;
          long ageMs = TimeUnit.NANOSECONDS.toMillis(acked - joinedAt[s]);
          int bucket = 0;
          while (bucket < AGE_LIMITS_MS.length && ageMs >= AGE_LIMITS_MS[bucket]) {
            bucket++;
          }
          byAge[bucket]++;
          bySecond[(int) Math.min(options.seconds(), k * send.interval() / 1_000_000_000L)]++;
        }
      }
    }
    Histogram latency = deliveries.takeLatency();
    return new Result(nodes, rate, options.seconds(), joinedAt.length, connectSeconds, connectCpu, settleSeconds,
      settleCpu, send.total(), send.acked(), send.total() - send.acked(), refusals, expected, deliveries.received(),
      missing, deliveries.duplicated(), deliveries.outOfOrder(), latency.getValueAtPercentile(50) / 1e6,
      latency.getValueAtPercentile(99) / 1e6, latency.getValueAtPercentile(99.9) / 1e6, send.windowSeconds(),
      send.receivedInWindow(), send.cpu(), expectedByRoute, missingByRoute, byAge, bySecond, connectOps, stepOps,
      timeline, sendStart, send.generatorPercent(), send.machinePercent());
  }

  private static long refusals(Session[] opened) {
    return Arrays.stream(opened).filter(s -> s != null).mapToLong(s -> s.refusals.get()).sum();
  }

  /** CPU of every node from a starting point. */
  private static final class Cpu {
    private final List<Long> pids;
    private final List<long[]> userSystem = new ArrayList<>();
    private final List<Map<String, Long>> threads = new ArrayList<>();

    Cpu(List<Long> pids) {
      this.pids = pids;
      for (long pid : pids) {
        userSystem.add(ProcStats.userSystemNanos(pid));
        threads.add(ProcStats.threadGroupCpuNanos(pid));
      }
    }

    List<NodeCpu> since() {
      List<NodeCpu> out = new ArrayList<>();
      for (int n = 0; n < pids.size(); n++) {
        long[] now = ProcStats.userSystemNanos(pids.get(n));
        long[] then = userSystem.get(n);
        Map<String, Long> before = threads.get(n);
        Map<String, Long> spent = ProcStats.threadGroupCpuNanos(pids.get(n));
        spent.replaceAll((group, nanos) -> nanos - before.getOrDefault(group, 0L));
        double user = (now[0] - then[0]) / 1e9;
        double system = (now[1] - then[1]) / 1e9;
        out.add(new NodeCpu(user + system, user, system, spent));
      }
      return out;
    }
  }

  /** The nodes' CPU (% of one core, summed) second by second, from a sampling thread. */
  private static final class CpuTimeline {
    private final List<Double> percents = new ArrayList<>();
    private final Thread sampler;

    CpuTimeline(List<Long> pids) {
      sampler = new Thread(() -> {
        long last = ProcStats.cpuNanos(pids);
        try {
          while (true) {
            Thread.sleep(1000);
            long now = ProcStats.cpuNanos(pids);
            synchronized (percents) {
              percents.add((now - last) / 1e7);
            }
            last = now;
          }
        } catch (InterruptedException | IllegalStateException e) {
          // stopped, or a node is gone
        }
      }, "w6-cpu-timeline");
      sampler.setDaemon(true);
      sampler.start();
    }

    int size() {
      synchronized (percents) {
        return percents.size();
      }
    }

    double[] stop() {
      sampler.interrupt();
      synchronized (percents) {
        return percents.stream().mapToDouble(Double::doubleValue).toArray();
      }
    }
  }

  /**
   * When each phase began (wall clock, ms since the epoch), printed, and with BENCH_JFR written
   * beside the recordings ({@code <label>-phases.txt}), to split a recording's samples by phase.
   */
  private static final class Phases {
    private final StringBuilder lines = new StringBuilder();

    void mark(String phase) {
      String line = phase + " " + System.currentTimeMillis();
      lines.append(line).append('\n');
      System.out.println("  W6 phase " + line);
    }

    void write(String label) throws Exception {
      Path recording = BenchServer.Thrume.jfrFile(label, 1);
      if (recording != null) {
        Files.writeString(recording.resolveSibling(label + "-phases.txt"), lines);
      }
    }
  }
}

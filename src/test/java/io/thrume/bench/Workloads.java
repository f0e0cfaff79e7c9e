package io.thrume.bench;

import io.thrume.bench.BenchDatabase.Population;
import io.thrume.bench.Clients.Session;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * The workloads of the benchmark against one running server. Every send runs on a fixed schedule
 * (a message's intended time is fixed before the run; a late send still counts from it).
 */
final class Workloads {
  /** A step is held when p99 stays at or under this and nothing is lost, duplicated or refused. */
  static final double MAX_P99_MS = 100;
  private final Vertx vertx;
  private final Clients clients;
  private final BenchServer server;
  private final Deliveries deliveries = new Deliveries();
  private final List<Session> sessions = new ArrayList<>();
  private Heartbeats heartbeats;

  /** One rate of a stepped workload, or one measurement. */
  record Step(double rate, double deliveriesPerSecond, double persistedPerSecond, double p50, double p99, double p999,
              long lost, long duplicated, long errors, double cpuMicrosPerDelivery, double cpuMicrosPerMessage,
              double generatorCpuPercent, double machineCpuPercent, double kernelMicrosPerDelivery,
              double p50SameNode, double p50OtherNode, double databaseMicrosPerMessage) {
    boolean held() {
      return p99 <= MAX_P99_MS && lost == 0 && duplicated == 0 && errors == 0;
    }
  }

  /** W1: connections, their memory and their heartbeat. */
  record Idle(int connections, double connectsPerSecond, double cpuMicrosPerConnect, double databaseMicrosPerConnect,
              double generatorCpuPercent, double machineCpuPercent, double heapBytesPerConnection, double rssBytesPerConnection,
              double heartbeatCpuPercent, double heartbeatMicrosPerConnectionSecond, long failed) {
  }

  /** W4: sessions per second opened, joined and synced. */
  record Churn(double targetPerSecond, double achievedPerSecond, double p50, double p99, double p999, long failed,
               double cpuMicrosPerSession, double generatorCpuPercent, double machineCpuPercent) {
  }

  Workloads(Vertx vertx, Clients clients, BenchServer server) {
    this.vertx = vertx;
    this.clients = clients;
    this.server = server;
  }

  /** Opens a socket for users 0..count-1 (user i on node i mod n), each joining its conversation; at most 300 at a time. */
  double connect(Population population, int count) throws Exception {
    deliveries.reset(count);
    Semaphore inFlight = new Semaphore(300);
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    Session[] opened = new Session[count];
    if (heartbeats == null) {
      heartbeats = new Heartbeats(vertx, server.protocol());
    }
    heartbeats.of(opened);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      int user = i;
      int port = server.ports()[i % server.ports().length];
      clients.open(server.protocol(), port, population.token(user), user, deliveries)
        .compose(s -> s.join(population.conversationOf(user), 0).map(s))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            opened[user] = ar.result();
          } else {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, ar.cause());
          }
          inFlight.release();
        });
    }
    inFlight.acquire(300);
    inFlight.release(300);
    double seconds = (System.nanoTime() - start) / 1e9;
    for (Session s : opened) {
      if (s != null) {
        sessions.add(s);
      }
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " of " + count + " sockets failed to connect; the first: "
        + firstFailure.get(), firstFailure.get());
    }
    return count / seconds;
  }

  BenchServer server() {
    return server;
  }

  void closeAll() throws InterruptedException {
    if (heartbeats != null) {
      heartbeats.close();
      heartbeats = null;
    }
    sessions.forEach(Session::close);
    sessions.clear();
    Thread.sleep(1000);
  }

  /**
   * W1: connects {@code count} idle sockets; memory per socket against the empty server; then a heartbeat window.
   * With {@code warmupSockets} &gt; 0, that many of the sockets are connected and closed first, unmeasured: a
   * server that has just started compiles its connect path during the first thousands of connects.
   */
  Idle idle(Population population, int count, int warmupSockets, int heartbeatSeconds) throws Exception {
    if (warmupSockets > 0) {
      connect(population, Math.min(warmupSockets, count));
      closeAll();
      // the closed sockets' state (tickets, presence) settles before the empty server is measured
      Thread.sleep(5000);
    }
    Thread.sleep(2000);
    BenchServer.Memory before = server.memory();
    histogram("before");
    long cpuBefore = ProcStats.cpuNanos(server.pids());
    long generatorBefore = ProcStats.generatorCpuNanos();
    long databaseBefore = ProcStats.databaseCpuNanos();
    long[] machineBefore = ProcStats.machineJiffies();
    long connecting = System.nanoTime();
    double rate = connect(population, count);
    long connected = System.nanoTime();
    double connectCpuNanos = ProcStats.cpuNanos(server.pids()) - cpuBefore;
    double databaseNanos = ProcStats.databaseCpuNanos() - databaseBefore;
    double generatorPercent = 100 * (ProcStats.generatorCpuNanos() - generatorBefore) / (double) (connected - connecting);
    double machinePercent = ProcStats.machineBusyPercent(machineBefore, ProcStats.machineJiffies());
    Thread.sleep(5000);
    BenchServer.Memory after = server.memory();
    histogram("after-" + count);
    // the steady state: request timers of the connections (event-bus replies, pool waits: 30 s) have run out
    Thread.sleep(Math.max(0, TimeUnit.SECONDS.toMillis(35) - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected)));
    System.out.printf("  %s: %d sockets open, heartbeat window of %d s%n", server.name(), count, heartbeatSeconds);
    long cpu = ProcStats.cpuNanos(server.pids());
    Map<String, Long> threads = ProcStats.threadCpuNanos(server.pids().get(0));
    Thread.sleep(heartbeatSeconds * 1000L);
    double cpuSeconds = (ProcStats.cpuNanos(server.pids()) - cpu) / 1e9;
    if (System.getenv("BENCH_THREADS") != null) {
      ProcStats.threadCpuNanos(server.pids().get(0)).forEach((name, nanos) -> {
        long spent = nanos - threads.getOrDefault(name, 0L);
        if (spent > 0) {
          System.out.printf("  idle CPU of %s thread %s: %.0f ms%n", server.name(), name, spent / 1e6);
        }
      });
    }
    int open = (int) sessions.stream().filter(s -> !s.ws.isClosed()).count();
    return new Idle(count, rate, connectCpuNanos / 1e3 / count, databaseNanos / 1e3 / count, generatorPercent, machinePercent, (after.heapBytes() - before.heapBytes()) / (double) count,
      (after.rssBytes() - before.rssBytes()) / (double) count, 100 * cpuSeconds / heartbeatSeconds,
      cpuSeconds * 1e6 / heartbeatSeconds / count, count - open);
  }

  /**
   * With BENCH_METRICS set (a directory), saves each Thrume node's /metrics there as
   * {@code <label>-node<i>.prom}: a step's before and after, to split its latency by stage
   * (send to publish, commit to write) from the servers' own histograms.
   */
  private void saveMetrics(String label) throws Exception {
    String dir = System.getenv("BENCH_METRICS");
    if (dir != null && server instanceof BenchServer.Thrume thrume) {
      Files.createDirectories(Path.of(dir));
      for (int i = 0; i < thrume.ports().length; i++) {
        Files.writeString(Path.of(dir, label + "-node" + (i + 1) + ".prom"), thrume.metrics(i));
      }
    }
  }

  /** With BENCH_HISTOGRAMS set (a directory), saves the server's class histogram there (Thrume only). */
  private void histogram(String label) throws Exception {
    String dir = System.getenv("BENCH_HISTOGRAMS");
    if (dir != null && server instanceof BenchServer.Thrume thrume) {
      Files.createDirectories(Path.of(dir));
      Files.writeString(Path.of(dir, "histogram-" + label + ".txt"), thrume.classHistogram());
    }
  }

  /**
   * Sends {@code rate} messages/s for {@code seconds}; message k goes from socket {@code sender(k)}
   * into that socket's conversation, which has {@code members} sockets on it.
   */
  Step step(Population population, double rate, int seconds, int members, IntFunction<Integer> sender, String tag)
    throws Exception {
    deliveries.reset(sessions.size());
    deliveries.route(sender::apply, server.ports().length);
    deliveries.takeLatency();
    AtomicLong acked = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    int total = (int) Math.round(rate * seconds);
    // which messages were acknowledged: each socket of the sender's conversation should get each of them
    AtomicIntegerArray ackedIndexes = new AtomicIntegerArray(total);
    long interval = (long) (1e9 / rate);
    long cpuBefore = ProcStats.cpuNanos(server.pids());
    long kernelBefore = ProcStats.systemNanos(server.pids());
    long generatorBefore = ProcStats.generatorCpuNanos();
    long databaseBefore = ProcStats.databaseCpuNanos();
    long[] machineBefore = ProcStats.machineJiffies();
    saveMetrics(tag + "before");
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    int[] sent = {0};
    Promise<Void> allSent = Promise.promise();
    long timer = vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      while (sent[0] < total && start + sent[0] * interval <= now) {
        int k = sent[0]++;
        long intended = start + k * interval;
        int user = sender.apply(k);
        sessions.get(user).send(population.conversationOf(user), tag + k, Deliveries.content(k, intended))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              ackedIndexes.set(k, 1);
            }
            (ar.succeeded() ? acked : refused).incrementAndGet();
            answered.incrementAndGet();
          });
      }
      if (sent[0] >= total) {
        allSent.tryComplete();
      }
    });
    allSent.future().await(seconds + 120L, TimeUnit.SECONDS);
    vertx.cancelTimer(timer);
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < drainDeadline
      && (answered.get() < total || deliveries.received() < acked.get() * members)) {
      Thread.sleep(20);
    }
    long end = System.nanoTime();
    saveMetrics(tag + "after");
    double wall = (end - start) / 1e9;
    double cpu = ProcStats.cpuNanos(server.pids()) - cpuBefore;
    double kernel = ProcStats.systemNanos(server.pids()) - kernelBefore;
    double generator = ProcStats.generatorCpuNanos() - generatorBefore;
    double database = ProcStats.databaseCpuNanos() - databaseBefore;
    Histogram latency = deliveries.takeLatency();
    Histogram same = deliveries.takeSameNode();
    Histogram other = deliveries.takeOtherNode();
    long received = deliveries.received();
    int[] ackedList = IntStream.range(0, total).filter(k -> ackedIndexes.get(k) == 1).toArray();
    int size = population.size();
    int socketCount = sessions.size();
    IntFunction<int[]> receivers = k -> {
      int first = sender.apply(k) / size * size;
      return IntStream.range(first, Math.min(first + size, socketCount)).toArray();
    };
    long lost = deliveries.lost(ackedList, receivers);
    return new Step(rate, received / (double) seconds, acked.get() / (double) seconds,
      latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
      latency.getValueAtPercentile(99.9) / 1e6, lost, deliveries.duplicated(),
      refused.get() + (total - answered.get()), cpu / 1e3 / Math.max(1, received), cpu / 1e3 / Math.max(1, acked.get()),
      100 * generator / 1e9 / wall, ProcStats.machineBusyPercent(machineBefore, ProcStats.machineJiffies()),
      kernel / 1e3 / Math.max(1, received), p50(same), p50(other), database / 1e3 / Math.max(1, acked.get()));
  }

  /** The median in ms, or NaN when nothing was recorded (one node: no route split). */
  private static double p50(Histogram h) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1e6;
  }

  /** Steps through {@code rates} until one is not held; returns every step run. */
  List<Step> stepped(Population population, double[] rates, int seconds, int warmupSeconds, int members,
                     IntFunction<Integer> sender, String label) throws Exception {
    // warm-up, not recorded: the JIT compiles the hot paths of both servers before the first measured step
    step(population, rates[Math.min(1, rates.length - 1)], warmupSeconds, members, sender, label + "-warm-");
    Thread.sleep(1000);
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < rates.length; i++) {
      Step s = step(population, rates[i], seconds, members, sender, label + "-" + i + "-");
      steps.add(s);
      System.out.printf("  %s %s %.0f msgs/s: %.0f deliveries/s, p50 %.1f (same node %.1f, other %.1f) p99 %.1f p99.9 %.1f ms, "
          + "lost %d, dup %d, errors %d, %.1f µs CPU/delivery (%.1f in the kernel), PostgreSQL %.0f µs/message, generator %.0f%%, "
          + "machine %.0f%%%n",
        server.name(), label, s.rate(), s.deliveriesPerSecond(), s.p50(), s.p50SameNode(), s.p50OtherNode(), s.p99(), s.p999(),
        s.lost(), s.duplicated(), s.errors(), s.cpuMicrosPerDelivery(), s.kernelMicrosPerDelivery(), s.databaseMicrosPerMessage(),
        s.generatorCpuPercent(), s.machineCpuPercent());
      if (!s.held()) {
        break;
      }
      Thread.sleep(1000);
    }
    return steps;
  }

  /**
   * W4: new sessions at {@code rate}/s for {@code seconds}: each one a fresh token's ticket (Thrume),
   * a new socket, joining its conversation and fetching the messages after {@code afterSeq}; held
   * {@code holdMs}, then closed. Latency runs from the session's intended start to the history's arrival.
   */
  Churn churn(Population population, double rate, int seconds, long afterSeq, long holdMs) throws Exception {
    Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
    Deliveries ignored = new Deliveries();
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    int total = (int) Math.round(rate * seconds);
    long interval = (long) (1e9 / rate);
    int users = population.users().size();
    long cpuBefore = ProcStats.cpuNanos(server.pids());
    long generatorBefore = ProcStats.generatorCpuNanos();
    long[] machineBefore = ProcStats.machineJiffies();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    int[] begun = {0};
    Promise<Void> allBegun = Promise.promise();
    long timer = vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      while (begun[0] < total && start + begun[0] * interval <= now) {
        int k = begun[0]++;
        long intended = start + k * interval;
        int user = k % users;
        int port = server.ports()[k % server.ports().length];
        clients.open(server.protocol(), port, population.token(user), 0, ignored)
          .compose(s -> s.join(population.conversationOf(user), afterSeq).map(s))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              latency.recordValue(Math.max(0, System.nanoTime() - intended));
              done.incrementAndGet();
              vertx.setTimer(holdMs, t -> ar.result().close());
            } else {
              failed.incrementAndGet();
            }
          });
      }
      if (begun[0] >= total) {
        allBegun.tryComplete();
      }
    });
    allBegun.future().await(seconds + 120L, TimeUnit.SECONDS);
    vertx.cancelTimer(timer);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && done.get() + failed.get() < total) {
      Thread.sleep(20);
    }
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = ProcStats.cpuNanos(server.pids()) - cpuBefore;
    double generator = ProcStats.generatorCpuNanos() - generatorBefore;
    double machine = ProcStats.machineBusyPercent(machineBefore, ProcStats.machineJiffies());
    Histogram h = latency.getIntervalHistogram();
    Thread.sleep(holdMs + 2000);
    return new Churn(rate, done.get() / wall, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
      h.getValueAtPercentile(99.9) / 1e6, failed.get() + (total - done.get() - failed.get()),
      cpu / 1e3 / Math.max(1, done.get()), 100 * generator / 1e9 / wall, machine);
  }

}

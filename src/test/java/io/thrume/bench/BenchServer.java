package io.thrume.bench;

import io.thrume.support.TestThrume;
import io.thrume.support.ThrumeProcess;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A server under test: one or more processes the generator talks to, measured from outside. */
interface BenchServer extends AutoCloseable {

  /** Heap in use after a forced full GC and resident memory, summed over the server's processes. */
  record Memory(long heapBytes, long rssBytes) {
  }

  String name();

  Protocol protocol();

  int[] ports();

  List<Long> pids();

  Memory memory() throws Exception;

  @Override
  void close();

  /** The server's JVM (or node) options, for the report. */
  String flags();

  /** Thrume: one node, or a Hazelcast cluster of several, sharing the benchmark's PostgreSQL. */
  final class Thrume implements BenchServer {
    static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx1g");
    private static final Pattern HEAP_USED = Pattern.compile(
      "(?m)^\\s*(garbage-first heap|def new generation|tenured generation|PSYoungGen|ParOldGen)\\s+total \\d+K, used (\\d+)K");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<ThrumeProcess> nodes;
    private final int[] ports;

    /** JVM_OPTIONS, plus BENCH_THRUME_JVM_OPTS when set (the same for every node). */
    private static List<String> jvmOptions() {
      List<String> options = new ArrayList<>(JVM_OPTIONS);
      String extra = System.getenv("BENCH_THRUME_JVM_OPTS");
      if (extra != null && !extra.isBlank()) {
        options.addAll(List.of(extra.trim().split("\\s+")));
      }
      return options;
    }

    /**
     * Node i's options: with BENCH_JFR=dir, its own recording, {@code dir/<label>-node-<i>.jfr}
     * (profile settings, written when the node stops): one recording file per JVM, as two JVMs
     * writing to one file leave it unreadable. BENCH_JFR_OPTIONS adds to the recording's options
     * (say method-profiling=max: a Java sample every ms instead of every 10 ms).
     */
    private static List<String> jvmOptions(String label, int node) {
      List<String> options = jvmOptions();
      String dir = System.getenv("BENCH_JFR");
      if (dir != null && !dir.isBlank()) {
        String more = System.getenv("BENCH_JFR_OPTIONS");
        options.add("-XX:StartFlightRecording=filename=" + jfrFile(label, node) + ",settings=profile"
          + (more == null || more.isBlank() ? "" : "," + more.trim()));
      }
      return options;
    }

    /** Where node i records with BENCH_JFR=dir (null without it). */
    static Path jfrFile(String label, int node) {
      String dir = System.getenv("BENCH_JFR");
      return dir == null || dir.isBlank() ? null : Path.of(dir, label + "-node-" + node + ".jfr").toAbsolutePath();
    }

    private Thrume(List<ThrumeProcess> nodes, int[] ports) {
      this.nodes = nodes;
      this.ports = ports;
    }

    /** Starts {@code count} nodes (clustered when more than one); {@code label} names their recordings (BENCH_JFR). */
    static Thrume start(BenchDatabase db, int count, JsonObject config, List<String> launcher, String label)
      throws IOException {
      String dir = System.getenv("BENCH_JFR");
      if (dir != null && !dir.isBlank()) {
        Files.createDirectories(Path.of(dir));
      }
      Path configFile = Files.createTempFile("thrume-bench-", ".json");
      Files.writeString(configFile, config.encode());
      int[] ports = new int[count];
      int[] clusterPorts = new int[count];
      for (int i = 0; i < count; i++) {
        ports[i] = TestThrume.freePort();
        clusterPorts[i] = TestThrume.freePort();
      }
      List<ThrumeProcess> nodes = new ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          Map<String, String> env = new HashMap<>();
          env.put("THRUME_DB_URL", db.url());
          env.put("THRUME_JWT_SECRET", BenchDatabase.SECRET);
          env.put("THRUME_CONFIG", configFile.toString());
          env.put("THRUME_DATA_DIR", TestThrume.tempDir().toString());
          String[] args = {};
          if (count > 1) {
            env.put("THRUME_CLUSTER_PORT", Integer.toString(clusterPorts[i]));
            env.put("THRUME_CLUSTER_MEMBERS", Arrays.stream(clusterPorts).mapToObj(p -> "127.0.0.1:" + p)
              .collect(Collectors.joining(",")));
            args = new String[] {"-cluster"};
          }
          nodes.add(ThrumeProcess.start(env, ports[i], launcher, jvmOptions(label, i + 1), args));
        }
      } catch (IOException | RuntimeException e) {
        nodes.forEach(n -> n.process.destroyForcibly());
        throw e;
      }
      return new Thrume(nodes, ports);
    }

    @Override
    public String name() {
      return nodes.size() == 1 ? "Thrume" : "Thrume ×" + nodes.size();
    }

    @Override
    public Protocol protocol() {
      return Protocol.THRUME;
    }

    @Override
    public int[] ports() {
      return ports;
    }

    @Override
    public List<Long> pids() {
      return nodes.stream().map(n -> n.process.pid()).toList();
    }

    @Override
    public Memory memory() throws Exception {
      long heap = 0;
      for (long pid : pids()) {
        jcmd(pid, "GC.run");
        Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
        while (m.find()) {
          heap += Long.parseLong(m.group(2)) * 1024;
        }
      }
      return new Memory(heap, ProcStats.rssBytes(pids()));
    }

    /** Node i's (0-based) /metrics, Prometheus text. */
    String metrics(int node) throws Exception {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[node] + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("/metrics of node " + (node + 1) + ": " + r.statusCode());
      }
      return r.body();
    }

    /** The live objects of the first node by class (jcmd GC.class_histogram, which forces a full GC). */
    String classHistogram() throws Exception {
      return jcmd(pids().get(0), "GC.class_histogram");
    }

    private static String jcmd(long pid, String command) throws Exception {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid), command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(60, TimeUnit.SECONDS);
      return out;
    }

    @Override
    public String flags() {
      String jfr = System.getenv("BENCH_JFR");
      return String.join(" ", jvmOptions()) + (jfr == null || jfr.isBlank() ? "" : " (+ a JFR recording per node in " + jfr + ")")
        + " (+ Hazelcast's --add-opens), JVM " + System.getProperty("java.version");
    }

    @Override
    public void close() {
      for (ThrumeProcess node : nodes) {
        try {
          node.terminate();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * The Socket.IO 4.8 peer (src/bench/socketio/server.mjs) on node: with group commit like
   * Thrume's (PEER_PERSIST=batch, src/bench/socketio/batcher.mjs), or naive, one transaction per
   * message (PEER_PERSIST=naive).
   */
  final class SocketIo implements BenchServer {
    static final Path DIR = Path.of("src/bench/socketio");
    private static final String NODE_VERSION = nodeVersion();
    private final Process process;
    private final int port;
    private final boolean naive;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

    private SocketIo(Process process, int port, boolean naive) {
      this.process = process;
      this.port = port;
      this.naive = naive;
    }

    static SocketIo start(BenchDatabase db, List<String> launcher, boolean naive) throws Exception {
      int port = TestThrume.freePort();
      List<String> command = new ArrayList<>(launcher);
      command.addAll(List.of("node", "--expose-gc", "server.mjs"));
      Path log = Files.createTempFile("socketio-peer-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
      builder.environment().put("PORT", Integer.toString(port));
      builder.environment().put("THRUME_DB_URL", db.url());
      builder.environment().put("THRUME_JWT_SECRET", BenchDatabase.SECRET);
      builder.environment().put("PEER_PERSIST", naive ? "naive" : "batch");
      SocketIo server = new SocketIo(builder.start(), port, naive);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        if (!server.process.isAlive()) {
          throw new IllegalStateException("the Socket.IO peer exited:\n" + Files.readString(log));
        }
        try {
          if (server.get("/health/ready").statusCode() == 200) {
            return server;
          }
        } catch (IOException e) {
          Thread.sleep(200);
        }
      }
      server.close();
      throw new IllegalStateException("the Socket.IO peer was not ready:\n" + Files.readString(log));
    }

    private static String nodeVersion() {
      try {
        Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
        return new String(p.getInputStream().readAllBytes()).trim();
      } catch (IOException e) {
        return "unknown";
      }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public String name() {
      return naive ? "Socket.IO 4.8 naive" : "Socket.IO 4.8";
    }

    @Override
    public Protocol protocol() {
      return Protocol.SOCKET_IO;
    }

    @Override
    public int[] ports() {
      return new int[] {port};
    }

    @Override
    public List<Long> pids() {
      return List.of(process.pid());
    }

    @Override
    public Memory memory() throws Exception {
      JsonObject m = new JsonObject(get("/bench/memory").body());
      return new Memory(m.getLong("heapUsed"), ProcStats.rssBytes(pids()));
    }

    @Override
    public String flags() {
      return "node " + NODE_VERSION + " --expose-gc, socket.io 4.8.4, pg 8.23.1 (pool of 8, as Thrume's), "
        + (naive ? "naive inserts (a look-up, then one transaction per message)"
        : "group commit like Thrume's (4 statements in flight, ≤ 256 messages each, one statement per batch)");
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

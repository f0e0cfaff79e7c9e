package io.thrume.bench;

import io.thrume.support.Jwts;
import io.thrume.support.TestThrume;
import io.thrume.support.ThrumeProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * W2 of the benchmark issue, for Thrume alone (the Socket.IO peer is still to come): one
 * conversation of M members, each on a raw /eventbus/websocket socket; one of them sends on a
 * fixed schedule through chat.send (persisted), stepping the rate until p99 > 100 ms or a loss.
 * Latency runs from each message's intended send time (no coordinated omission) to its arrival,
 * on one clock (this process), in an HdrHistogram. Server CPU comes from /proc of the server
 * process; the generator's own CPU is reported so an overloaded generator shows.
 *
 * Run: bash bench/fanout.sh [members, default 100] [seconds per step, default 10]
 */
public final class FanoutBench {
  static final String SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
  static final String SEED_HASH = "pbkdf2-sha512$210000$c2VlZA$c2VlZA";
  static final int[] RATES = {10, 20, 50, 100, 200, 400, 800};

  public static void main(String[] args) throws Exception {
    int members = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Vertx vertx = Vertx.vertx();
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      try (Connection c = postgres.getPostgresDatabase().getConnection()) {
        c.createStatement().execute("CREATE USER thrume WITH PASSWORD 'pw-thrume'");
        c.createStatement().execute("CREATE DATABASE chat OWNER thrume");
      }
      Path config = Files.createTempFile("thrume-bench-", ".json");
      Files.writeString(config, new JsonObject()
        .put("chat", new JsonObject().put("sendBurst", 1_000_000).put("sendPerSecond", 1_000_000.0))
        .put("presence", new JsonObject().put("maxConnectionsPerUser", 5)).encode());
      int port = TestThrume.freePort();
      ThrumeProcess server = ThrumeProcess.start(Map.of(
        "THRUME_DB_URL", "postgresql://thrume:pw-thrume@127.0.0.1:" + postgres.getPort() + "/chat",
        "THRUME_JWT_SECRET", SECRET, "THRUME_CONFIG", config.toString(),
        "THRUME_DATA_DIR", TestThrume.tempDir().toString()), port);
      try {
        run(vertx, postgres, server, port, members, seconds);
      } finally {
        server.terminate();
      }
    } finally {
      vertx.close();
    }
    System.exit(0);
  }

  static void run(Vertx vertx, EmbeddedPostgres postgres, ThrumeProcess server, int port, int members, int seconds)
    throws Exception {
    String conversation = UUID.randomUUID().toString();
    List<String> users = seed(postgres, conversation, members);
    WebClient web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000));
    String address = "conversation." + conversation;
    Map<String, AtomicLong> receivedById = new ConcurrentHashMap<>();
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    AtomicLong deliveries = new AtomicLong();
    List<WebSocket> sockets = new ArrayList<>();
    for (String user : users) {
      WebSocket ws = connect(web, wsClient, port, user).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      ws.binaryMessageHandler(buffer -> {
        long now = System.nanoTime();
        JsonObject frame = buffer.toJsonObject();
        JsonObject body = frame.getJsonObject("body");
        if (address.equals(frame.getString("address")) && body != null && "message".equals(body.getString("type"))) {
          JsonObject message = body.getJsonObject("message");
          String content = message.getString("content");
          long intended = Long.parseLong(content.substring(content.indexOf('@') + 1));
          synchronized (latency) {
            latency.recordValue(Math.max(0, now - intended));
          }
          receivedById.computeIfAbsent(message.getString("clientMessageId"), k -> new AtomicLong()).incrementAndGet();
          deliveries.incrementAndGet();
        }
      });
      ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
      sockets.add(ws);
    }
    vertx.setPeriodic(10_000, id -> sockets.forEach(ws -> ws.writeTextMessage("{\"type\":\"ping\"}")));
    Thread.sleep(1000);
    WebSocket sender = sockets.get(0);
    System.out.printf("W2 fan-out: 1 conversation of %d members, %d s per step, server pid %d, JVM %s%n%n",
      members, seconds, server.process.pid(), System.getProperty("java.version"));
    System.out.println("| msgs/s | deliveries/s | p50 ms | p99 ms | p99.9 ms | lost | duplicated | server CPU µs/delivery | generator CPU % |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    int step = 0;
    for (int rate : RATES) {
      step++;
      synchronized (latency) {
        latency.reset();
      }
      receivedById.clear();
      deliveries.set(0);
      long cpuBefore = serverCpuNanos(server.process.pid());
      long genBefore = generatorCpuNanos();
      long wallBefore = System.nanoTime();
      int total = rate * seconds;
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      long interval = TimeUnit.SECONDS.toNanos(1) / rate;
      int[] sent = {0};
      String prefix = "s" + step + "-";
      Promise<Void> allSent = Promise.promise();
      long timer = vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        while (sent[0] < total && start + sent[0] * interval <= now) {
          long intended = start + sent[0] * interval;
          String clientMessageId = prefix + sent[0];
          sender.writeTextMessage(new JsonObject().put("type", "send").put("address", "chat.send")
            .put("body", new JsonObject().put("conversationId", conversation).put("content", "m@" + intended)
              .put("clientMessageId", clientMessageId)).encode());
          sent[0]++;
        }
        if (sent[0] >= total) {
          allSent.tryComplete();
        }
      });
      allSent.future().toCompletionStage().toCompletableFuture().get(seconds + 60L, TimeUnit.SECONDS);
      vertx.cancelTimer(timer);
      long expected = (long) total * members;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (deliveries.get() < expected && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      long wall = System.nanoTime() - wallBefore;
      long cpu = serverCpuNanos(server.process.pid()) - cpuBefore;
      long gen = generatorCpuNanos() - genBefore;
      long unique = receivedById.values().stream().mapToLong(v -> Math.min(v.get(), members)).sum();
      long lost = expected - unique;
      long duplicated = deliveries.get() - unique;
      double p50;
      double p99;
      double p999;
      synchronized (latency) {
        p50 = latency.getValueAtPercentile(50) / 1e6;
        p99 = latency.getValueAtPercentile(99) / 1e6;
        p999 = latency.getValueAtPercentile(99.9) / 1e6;
      }
      System.out.printf("| %d | %.0f | %.1f | %.1f | %.1f | %d | %d | %.1f | %.0f |%n", rate, deliveries.get() / (seconds * 1.0),
        p50, p99, p999, lost, duplicated, cpu / 1e3 / Math.max(1, deliveries.get()), 100.0 * gen / wall);
      if (p99 > 100 || lost > 0) {
        System.out.printf("%nstopped: %s at %d msgs/s%n", lost > 0 ? "loss" : "p99 over 100 ms", rate);
        break;
      }
    }
    sockets.forEach(WebSocket::close);
  }

  static Future<WebSocket> connect(WebClient web, WebSocketClient wsClient, int port, String user) {
    long now = Jwts.now();
    String token = Jwts.hs256(SECRET, new JsonObject().put("sub", user).put("iat", now).put("exp", now + 7200));
    return web.post("/api/realtime/ticket").putHeader("Authorization", "Bearer " + token).send()
      .compose(r -> r.statusCode() == 200 ? Future.succeededFuture(r.bodyAsJsonObject().getString("ticket"))
        : Future.failedFuture("ticket " + r.statusCode() + " " + r.bodyAsString()))
      .compose(ticket -> wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/eventbus/websocket?ticket=" + ticket)));
  }

  /** Accounts and one conversation with all of them, inserted directly (hashing is not what is measured). */
  static List<String> seed(EmbeddedPostgres postgres, String conversation, int members) throws Exception {
    List<String> users = new ArrayList<>();
    try (Connection c = postgres.getDatabase("thrume", "chat").getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement account = c.prepareStatement(
        "INSERT INTO account (id, username, display_name, password_hash) VALUES (?::uuid, ?, ?, ?)");
           PreparedStatement participant = c.prepareStatement(
             "INSERT INTO participant (conversation_id, account_id) VALUES (?::uuid, ?::uuid)")) {
        c.createStatement().execute("INSERT INTO conversation (id, title) VALUES ('" + conversation + "', 'bench')");
        for (int i = 0; i < members; i++) {
          String id = UUID.randomUUID().toString();
          users.add(id);
          account.setString(1, id);
          account.setString(2, "bench_" + i);
          account.setString(3, "Bench " + i);
          account.setString(4, SEED_HASH);
          account.addBatch();
          participant.setString(1, conversation);
          participant.setString(2, id);
          participant.addBatch();
        }
        account.executeBatch();
        participant.executeBatch();
      }
      c.commit();
    }
    return users;
  }

  /** utime + stime of a process, from /proc (Linux), in nanoseconds. */
  static long serverCpuNanos(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks * (1_000_000_000L / 100);
  }

  static long generatorCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}

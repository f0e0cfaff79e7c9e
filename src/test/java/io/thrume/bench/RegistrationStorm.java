package io.thrume.bench;

import io.thrume.support.Jwts;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registration storm of the cluster issue: 3 nodes, N sockets on each, every socket on 5
 * conversations; all sockets drop and reconnect at once (new ticket, new socket, 5 registers).
 * Measures the time until every socket receives again (a probe message sent into each socket's
 * first conversation every second) and the Hazelcast operations during the storm, in all and per
 * map and operation type, per reconnecting socket (also written to target/bench/storm-N.md).
 * Accounts, conversations and participants are seeded in bulk by SQL (hashing thousands of
 * passwords would take minutes); every socket still uses a real signed token and a real ticket.
 *
 * Run: bash bench/storm.sh [socketsPerNode]
 */
public final class RegistrationStorm {
  static final int NODES = 3;
  static final int CONVERSATIONS_PER_SOCKET = 5;
  /** The placeholder hash of seeded accounts: nobody logs in with a password here. */
  static final String SEED_HASH = "pbkdf2-sha512$210000$c2VlZA$c2VlZA";

  record Client(String userId, String token, int node, List<String> conversations, String probeConversation) {
  }

  static final class Socket {
    final Client client;
    volatile WebSocket ws;
    volatile long reconnectStartNanos;
    volatile long firstProbeNanos;

    Socket(Client client) {
      this.client = client;
    }
  }

  public static void main(String[] args) throws Exception {
    int perNode = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    // a later round meets nodes that have served a storm already (their JIT has compiled its path)
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int users = perNode;                       // each user: one socket on every node
    int probeConversations = Math.max(1, users / 30);
    int conversations = probeConversations * CONVERSATIONS_PER_SOCKET;
    System.out.printf("storm: %d nodes x %d sockets, %d users, %d conversations (%d probed)%n",
      NODES, perNode, users, conversations, probeConversations);
    JsonObject config = new JsonObject()
      .put("auth", new JsonObject().put("attemptsBurst", 1_000_000).put("attemptsPerMinute", 1_000_000))
      .put("chat", new JsonObject().put("sendBurst", 1_000_000).put("sendPerSecond", 1_000_000.0)
        .put("actionBurst", 1_000_000).put("actionPerSecond", 1_000_000.0))
      .put("http", new JsonObject().put("instances", 1));
    try (ThrumeCluster cluster = new ThrumeCluster(NODES, config)) {
      String prober = UUID.randomUUID().toString();
      List<Client> clients = seed(cluster, users, conversations, probeConversations, prober);
      String proberToken = token(prober);
      Vertx vertx = cluster.vertx;
      WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000)
        .setConnectTimeout(30_000));
      WebClient web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setKeepAliveTimeout(Clients.KEEP_ALIVE_SECONDS), new PoolOptions().setHttp1MaxSize(64));
      List<Socket> sockets = new ArrayList<>();
      for (Client c : clients) {
        for (int n = 0; n < NODES; n++) {
          sockets.add(new Socket(new Client(c.userId, c.token, n, c.conversations, c.probeConversation)));
        }
      }
      // clients ping like real ones (the server closes sockets silent for 30 s)
      vertx.setPeriodic(10_000, id -> sockets.forEach(s -> {
        WebSocket ws = s.ws;
        if (ws != null && !ws.isClosed()) {
          ws.writeTextMessage("{\"type\":\"ping\"}");
        }
      }));
      long t = System.nanoTime();
      connectAll(vertx, web, wsClient, cluster, sockets);
      System.out.printf("initial connect of %d sockets: %.1f s%n", sockets.size(), (System.nanoTime() - t) / 1e9);
      Thread.sleep(3000);
      System.out.println("consumers per node before the storm: " + consumers(cluster));

      StringBuilder md = new StringBuilder();
      for (int r = 1; r <= rounds; r++) {
        String heading = rounds == 1 ? "" : "round " + r + " of " + rounds + ": ";
        storm(vertx, web, wsClient, cluster, sockets, clients, proberToken, conversations, heading, md);
        Thread.sleep(3000);
      }
      Path out = Path.of("target/bench/storm-" + perNode + ".md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, md);
      System.out.println("written to " + out);
      wsClient.close();
    }
    System.exit(0);
  }

  /** One storm: every socket drops and reconnects at once; prints and appends to {@code md} what it took. */
  static void storm(Vertx vertx, WebClient web, WebSocketClient wsClient, ThrumeCluster cluster, List<Socket> sockets,
                    List<Client> clients, String proberToken, int conversations, String heading, StringBuilder md)
    throws Exception {
    double[] opsBefore = operations(cluster);
    Map<String, Double> mapOpsBefore = HazelcastOps.read(n -> metricsText(cluster.httpPorts[n]), NODES);
    long stormStart = System.nanoTime();
    for (Socket s : sockets) {
      s.firstProbeNanos = 0;
      s.ws.close();
    }
    AtomicInteger round = new AtomicInteger();
    long probeTimer = vertx.setPeriodic(1000, id -> probe(web, cluster, proberToken, clients, round.incrementAndGet()));
    connectAll(vertx, web, wsClient, cluster, sockets);
    long reconnected = System.nanoTime();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && sockets.stream().anyMatch(s -> s.firstProbeNanos == 0)) {
      Thread.sleep(200);
    }
    long allReceiving = sockets.stream().mapToLong(s -> s.firstProbeNanos).max().orElse(0);
    double[] opsAfter = operations(cluster);
    Map<String, Double> mapOps = HazelcastOps.delta(mapOpsBefore, HazelcastOps.read(n -> metricsText(cluster.httpPorts[n]), NODES));
    vertx.cancelTimer(probeTimer);
    long missing = sockets.stream().filter(s -> s.firstProbeNanos == 0).count();
    long[] ready = sockets.stream().filter(s -> s.firstProbeNanos > 0)
      .mapToLong(s -> (s.firstProbeNanos - stormStart) / 1_000_000).sorted().toArray();
    double seconds = (allReceiving - stormStart) / 1e9;
    long p50 = ready.length == 0 ? -1 : ready[ready.length / 2];
    long p99 = ready.length == 0 ? -1 : ready[(int) (ready.length * 0.99)];
    System.out.printf("%sreconnect + register of %d sockets done after %.1f s%n", heading, sockets.size(),
      (reconnected - stormStart) / 1e9);
    System.out.printf(heading + "every socket receiving again after %.1f s (p50 %d ms, p99 %d ms, missing %d)%n",
      seconds, p50, p99, missing);
    double totalOps = 0;
    for (int n = 0; n < NODES; n++) {
      totalOps += opsAfter[n] - opsBefore[n];
    }
    System.out.printf("Hazelcast operations during the storm: %.0f in %.1f s = %.0f ops/s (per node: %s)%n",
      totalOps, seconds, totalOps / seconds, Arrays.toString(diff(opsAfter, opsBefore)));
    System.out.println("consumers per node after the storm: " + consumers(cluster) + " (conversations: " + conversations
      + ", user addresses are not registered here)");
    int perNode = sockets.size() / NODES;
    int start = md.length();
    md.append(String.format("# Registration storm%s: %d nodes × %d sockets, %d conversations%n%n"
        + "Every socket receiving again after %.1f s (p50 %d ms, p99 %d ms, missing %d); %.0f Hazelcast operations "
        + "executed, %.1f per reconnecting socket.%n%nHazelcast operations during the storm (from the drop to every socket "
        + "receiving again), summed over the nodes; how Hazelcast counts: io.thrume.cluster.HazelcastMapStats.%n%n"
        + "| map | op | in the storm | per reconnecting socket |%n|---|---|---|---|%n",
      heading.isEmpty() ? "" : " (" + heading.substring(0, heading.length() - 2) + ")", NODES, perNode, conversations,
      seconds, p50, p99, missing, totalOps, totalOps / sockets.size()));
    HazelcastOps.rows(mapOps, 1, mapOps, sockets.size()).forEach(row -> md.append(row).append('\n'));
    md.append('\n');
    System.out.println(md.substring(start));
  }

  static double[] diff(double[] a, double[] b) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    return d;
  }

  static List<Client> seed(ThrumeCluster cluster, int users, int conversations, int probeConversations, String prober)
    throws Exception {
    List<String> conversationIds = new ArrayList<>();
    for (int i = 0; i < conversations; i++) {
      conversationIds.add(UUID.randomUUID().toString());
    }
    List<Client> clients = new ArrayList<>();
    try (Connection c = cluster.jdbc()) {
      c.setAutoCommit(false);
      try (PreparedStatement account = c.prepareStatement(
        "INSERT INTO account (id, username, display_name, password_hash) VALUES (?::uuid, ?, ?, ?)");
           PreparedStatement conversation = c.prepareStatement("INSERT INTO conversation (id, title) VALUES (?::uuid, ?)");
           PreparedStatement participant = c.prepareStatement(
             "INSERT INTO participant (conversation_id, account_id) VALUES (?::uuid, ?::uuid)")) {
        account.setString(1, prober);
        account.setString(2, "storm_prober");
        account.setString(3, "Prober");
        account.setString(4, SEED_HASH);
        account.addBatch();
        for (int u = 0; u < users; u++) {
          String id = UUID.randomUUID().toString();
          account.setString(1, id);
          account.setString(2, "storm_" + u);
          account.setString(3, "Storm " + u);
          account.setString(4, SEED_HASH);
          account.addBatch();
          List<String> mine = new ArrayList<>();
          for (int k = 0; k < CONVERSATIONS_PER_SOCKET; k++) {
            // the first of each user's conversations is a probed one
            mine.add(conversationIds.get((u % probeConversations) + k * probeConversations));
          }
          clients.add(new Client(id, token(id), 0, mine, mine.get(0)));
        }
        account.executeBatch();
        for (int i = 0; i < conversations; i++) {
          conversation.setString(1, conversationIds.get(i));
          conversation.setString(2, "storm " + i);
          conversation.addBatch();
        }
        conversation.executeBatch();
        for (Client client : clients) {
          for (String conv : client.conversations) {
            participant.setString(1, conv);
            participant.setString(2, client.userId);
            participant.addBatch();
          }
        }
        for (int i = 0; i < probeConversations; i++) {
          participant.setString(1, conversationIds.get(i));
          participant.setString(2, prober);
          participant.addBatch();
        }
        participant.executeBatch();
      }
      c.commit();
    }
    return clients;
  }

  static String token(String userId) {
    return Jwts.access(ThrumeCluster.SECRET, userId, 3600);
  }

  /** Tickets and sockets for all, at most 200 in flight, each registering its conversations. */
  static void connectAll(Vertx vertx, WebClient web, WebSocketClient wsClient, ThrumeCluster cluster, List<Socket> sockets)
    throws Exception {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= sockets.size()) {
        return;
      }
      connect(web, wsClient, cluster, sockets.get(i)).onComplete(ar -> {
        if (ar.failed()) {
          System.out.println("connect failed: " + ar.cause());
        }
        if (finished.incrementAndGet() == sockets.size()) {
          done.complete();
        } else {
          launch[0].run();
        }
      });
    };
    vertx.runOnContext(v -> {
      for (int i = 0; i < 200; i++) {
        launch[0].run();
      }
    });
    done.future().toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
  }

  static Future<Void> connect(WebClient web, WebSocketClient wsClient, ThrumeCluster cluster, Socket s) {
    int port = cluster.httpPorts[s.client.node];
    s.reconnectStartNanos = System.nanoTime();
    return web.post(port, "127.0.0.1", "/api/realtime/ticket").putHeader("Authorization", "Bearer " + s.client.token).send()
      .compose(r -> r.statusCode() == 200 ? Future.succeededFuture(r.bodyAsJsonObject().getString("ticket"))
        : Future.failedFuture("ticket " + r.statusCode()))
      .compose(ticket -> wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/eventbus/websocket?ticket=" + ticket)))
      .map(ws -> {
        s.ws = ws;
        String probeAddress = "conversation." + s.client.probeConversation;
        ws.binaryMessageHandler(buffer -> {
          if (s.firstProbeNanos == 0) {
            JsonObject frame = buffer.toJsonObject();
            if (probeAddress.equals(frame.getString("address")) && frame.getJsonObject("body") != null
              && "message".equals(frame.getJsonObject("body").getString("type"))) {
              s.firstProbeNanos = System.nanoTime();
            }
          }
        });
        for (String conv : s.client.conversations) {
          ws.writeTextMessage(new JsonObject().put("type", "register").put("address", "conversation." + conv).encode());
        }
        return null;
      });
  }

  static void probe(WebClient web, ThrumeCluster cluster, String token, List<Client> clients, int round) {
    clients.stream().map(Client::probeConversation).distinct().forEach(conv -> {
      int port = cluster.httpPorts[Math.floorMod(conv.hashCode() + round, NODES)];
      web.post(port, "127.0.0.1", "/api/conversations/" + conv + "/messages").putHeader("Authorization", "Bearer " + token)
        .sendJsonObject(new JsonObject().put("content", "probe " + round).put("clientMessageId", "p-" + round + "-" + conv.substring(0, 8)))
        .onComplete(ar -> {
          if (ar.failed() || ar.result().statusCode() != 201) {
            System.out.println("probe " + round + " failed: " + (ar.failed() ? ar.cause() : ar.result().statusCode() + " " + ar.result().bodyAsString()));
          }
        });
    });
  }

  static double[] operations(ThrumeCluster cluster) throws Exception {
    double[] ops = new double[NODES];
    for (int n = 0; n < NODES; n++) {
      ops[n] = metric(cluster.httpPorts[n], "thrume_cluster_operations_total");
    }
    return ops;
  }

  static String consumers(ThrumeCluster cluster) throws Exception {
    List<String> out = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      out.add(String.valueOf((long) metric(cluster.httpPorts[n], "thrume_fanout_consumers")));
    }
    return String.join(", ", out);
  }

  static String metricsText(int port) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
      URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  static double metric(int port, String name) throws Exception {
    return metricsText(port).lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
      .findFirst().orElse(-1);
  }
}

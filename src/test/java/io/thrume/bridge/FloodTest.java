package io.thrume.bridge;

import io.thrume.support.Jwts;
import io.thrume.support.StalledWebSocket;
import io.thrume.support.TestThrume;
import io.thrume.support.ThrumeProcess;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Twenty sockets that never read, flooding chat.sync (each answer up to 1 MiB) and presence
 * changes for 10 s, against a Thrume process with a 256 MiB heap and the default limits. What a
 * socket may hold is bounded (docs/security.md): its outbound queue, then the overflow allowance,
 * then it is dropped; while its queue is full it is not read, and at most 16 of its requests are
 * answered at once; syncs and presence changes are limited per user, and a socket that keeps
 * sending after it was told to wait is closed. So the heap stays under {@link #HEAP_BOUND_MB} and
 * health checks stay fast.
 */
class FloodTest {
  static final int SOCKETS = 20;
  static final int CONVERSATIONS = 10;
  static final int MESSAGES = 200;
  static final long FLOOD_MS = 10_000;
  static final long HEAP_BOUND_MB = 160;
  static final String SECRET = "flood-test-secret-0123456789-abcdefghijklmnopq";
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void nonReadingSocketsFloodingSyncsAndPresenceNeitherExhaustNorStallTheServer() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      try (Connection c = postgres.getPostgresDatabase().getConnection()) {
        c.createStatement().execute("CREATE USER thrume WITH PASSWORD 'pw-thrume'");
        c.createStatement().execute("CREATE DATABASE chat OWNER thrume");
      }
      int port = TestThrume.freePort();
      try (ThrumeProcess thrume = ThrumeProcess.start(Map.of(
          "THRUME_DB_URL", "postgresql://thrume:pw-thrume@127.0.0.1:" + postgres.getPort() + "/chat",
          "THRUME_JWT_SECRET", SECRET,
          "THRUME_DATA_DIR", TestThrume.tempDir().toString()), port, List.of(), List.of("-Xmx256m"))) {
        List<String> users = new ArrayList<>();
        List<String> conversations = new ArrayList<>();
        try (Connection c = postgres.getDatabase("thrume", "chat").getConnection()) {
          seed(c, users, conversations);
        }
        JsonObject positions = new JsonObject();
        conversations.forEach(id -> positions.put(id, 0));
        String sync = new JsonObject().put("type", "send").put("address", "chat.sync").put("replyAddress", "r")
          .put("body", new JsonObject().put("positions", positions)).encode();

        ExecutorService flooders = Executors.newFixedThreadPool(SOCKETS);
        List<StalledWebSocket> sockets = new ArrayList<>();
        long deadline = System.currentTimeMillis() + FLOOD_MS;
        for (String user : users) {
          StalledWebSocket socket = new StalledWebSocket(port, "/eventbus/websocket?ticket=" + ticket(port, user));
          sockets.add(socket);
          flooders.submit(() -> flood(socket, sync, deadline));
        }
        List<Long> health = new ArrayList<>();
        List<Long> live = new ArrayList<>();
        while (System.currentTimeMillis() < deadline) {
          health.add(millis(port, "/health/ready"));
          live.add(millis(port, "/health/live"));
          Thread.sleep(50);
        }
        long heapMb = retainedHeapMb(thrume);
        String state = "open " + metric(port, "thrume_sockets_open", null) + ", dropped as slow "
          + metric(port, "thrume_sockets_slow_closed_total", null) + ", refused " + metric(port, "thrume_failures_total", "edge=\"bridge\"")
          + " (rate-limited " + metric(port, "thrume_failures_total", "code=\"RATE_LIMITED\",edge=\"bridge\"") + ")";
        for (StalledWebSocket socket : sockets) {
          socket.close();
        }
        flooders.shutdownNow();
        flooders.awaitTermination(10, TimeUnit.SECONDS);

        long[] sorted = health.stream().mapToLong(Long::longValue).sorted().toArray();
        long p99 = percentile99(health);
        String report = state + "; heap " + heapMb + " MB; /health/ready p99 " + p99 + " ms over " + sorted.length
          + " checks (max " + sorted[sorted.length - 1] + " ms; /health/live p99 " + percentile99(live) + " ms)\n" + thrume.log;
        System.out.println("FloodTest: " + report.lines().findFirst().orElse(""));
        assertTrue(thrume.process.isAlive(), report);
        assertTrue(heapMb < HEAP_BOUND_MB, report);
        assertTrue(p99 < 100, report);
      }
    }
  }

  /** Syncs and presence flips, as fast as the connection takes them, until the deadline or the drop. */
  static void flood(StalledWebSocket socket, String sync, long deadline) {
    try {
      for (int i = 0; System.currentTimeMillis() < deadline; i++) {
        socket.sendText(sync);
        socket.sendText("{\"type\":\"send\",\"address\":\"presence.update\",\"body\":{\"status\":\""
          + (i % 2 == 0 ? "away" : "online") + "\"}}");
      }
    } catch (IOException dropped) {
      // the server dropped the socket, or the connection stayed full past the socket timeout: done
    }
  }

  /** Every user in every conversation, each conversation with {@link #MESSAGES} messages of 2,000 characters. */
  static void seed(Connection c, List<String> users, List<String> conversations) throws Exception {
    try (Statement s = c.createStatement()) {
      for (int i = 0; i < SOCKETS; i++) {
        String id = UUID.randomUUID().toString();
        users.add(id);
        s.addBatch("INSERT INTO account (id, username, display_name, password_hash) VALUES ('" + id + "', 'flood_" + i
          + "', 'Flood " + i + "', 'pbkdf2-sha512$210000$c2VlZA$c2VlZA')");
      }
      for (int i = 0; i < CONVERSATIONS; i++) {
        String id = UUID.randomUUID().toString();
        conversations.add(id);
        s.addBatch("INSERT INTO conversation (id, title, last_seq) VALUES ('" + id + "', 'flood', " + MESSAGES + ")");
        for (String user : users) {
          s.addBatch("INSERT INTO participant (conversation_id, account_id) VALUES ('" + id + "', '" + user + "')");
        }
        s.addBatch("INSERT INTO message (id, conversation_id, seq, sender_id, content, client_message_id) "
          + "SELECT gen_random_uuid(), '" + id + "', n, '" + users.get(0) + "', repeat('x', 2000), 'seed-" + i + "-' || n "
          + "FROM generate_series(1, " + MESSAGES + ") n");
      }
      s.executeBatch();
    }
  }

  static String ticket(int port, String user) throws Exception {
    long now = Jwts.now();
    String token = Jwts.access(SECRET, user, 3600);
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/realtime/ticket"))
      .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
      HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).getString("ticket");
  }

  /** The heap still in use after a full collection (jcmd GC.run), while the sockets are open. */
  static long retainedHeapMb(ThrumeProcess thrume) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    String pid = Long.toString(thrume.process.pid());
    new ProcessBuilder(jcmd.toString(), pid, "GC.run").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
    Process info = new ProcessBuilder(jcmd.toString(), pid, "GC.heap_info").redirectErrorStream(true).start();
    String text = new String(info.getInputStream().readAllBytes());
    info.waitFor(30, TimeUnit.SECONDS);
    // the heap's spaces, e.g. "def new generation total 78656K, used 1234K" (not Metaspace)
    long usedKb = 0;
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*(garbage-first heap|def new generation|"
      + "tenured generation|PSYoungGen|ParOldGen)\\s+total \\d+K, used (\\d+)K").matcher(text);
    while (m.find()) {
      usedKb += Long.parseLong(m.group(2));
    }
    return usedKb / 1024;
  }

  static long percentile99(List<Long> values) {
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    return sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
  }

  static long millis(int port, String path) {
    long start = System.nanoTime();
    try {
      HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
    } catch (IOException | InterruptedException e) {
      return 2_000;
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** The sum of a metric's series on /metrics (those whose labels contain {@code labels}, when given). */
  static double metric(int port, String name, String labels) throws Exception {
    String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
      HttpResponse.BodyHandlers.ofString()).body();
    return Arrays.stream(text.split("\n"))
      .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
      .filter(l -> labels == null || l.contains(labels))
      .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}

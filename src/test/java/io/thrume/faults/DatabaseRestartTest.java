package io.thrume.faults;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.thrume.support.ThrumeProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import static io.thrume.faults.Waits.awaitCondition;
import static io.thrume.faults.Waits.liveSeqs;
import static io.thrume.faults.Waits.ms;
import static io.thrume.faults.Waits.pause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, item 3: the PostgreSQL under a Thrume process is stopped for 10 s while users send,
 * over REST and over the bridge, and a third user watches the conversation live. The database is
 * a real PostgreSQL on a data directory and port of its own, stopped ("fast": sessions are ended)
 * and started again on both.
 *
 * <p>Sends in the window are answered UNAVAILABLE / 503 with a retry-after, which the senders wait
 * before sending the same clientMessageId again; /health/ready says DOWN, then UP within 5 s of
 * the database being back; the process stays up, no socket is closed, every send ends stored
 * exactly once with seqs 1..n, and the watcher receives each of them once.
 *
 * <p>The send limit is lifted (the senders retry every second for 10 s and must not be told
 * RATE_LIMITED instead of what this test is about); everything else is at its default.
 */
class DatabaseRestartTest {
  static final long OUTAGE_MS = 10_000;
  static final long READY_AGAIN_MS = 5_000;
  static final Pattern RETRY_AFTER = Pattern.compile("retry after (\\d+) s");
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();

  /** What one sender saw: acknowledged messages by clientMessageId, refusals, retry-afters missing. */
  static final class Sender {
    final Map<String, Long> acked = Collections.synchronizedMap(new TreeMap<>());
    final List<String> unavailable = Collections.synchronizedList(new ArrayList<>());
    final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    volatile int retries;
  }

  @Test
  void sendsDuringADatabaseRestartAreRefusedWithARetryAfterAndEndExactlyOnce() throws Exception {
    Path pgData = TestThrume.tempDir().resolve("pg");
    int pgPort = TestThrume.freePort();
    EmbeddedPostgres postgres = startPostgres(pgData, pgPort);
    Vertx vertx = Vertx.vertx();
    ThrumeProcess thrume = null;
    List<BridgeClient> sockets = new ArrayList<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    try {
      try (Connection c = postgres.getPostgresDatabase().getConnection()) {
        c.createStatement().execute("CREATE USER thrume WITH PASSWORD 'pw-thrume'");
        c.createStatement().execute("CREATE DATABASE chat OWNER thrume");
      }
      Path config = Files.createTempFile("thrume-dbrestart-", ".json");
      Files.writeString(config, new JsonObject().put("chat", new JsonObject().put("sendBurst", 1_000_000)
        .put("sendPerSecond", 1_000_000.0)).encode());
      int port = TestThrume.freePort();
      thrume = ThrumeProcess.start(Map.of(
        "THRUME_DB_URL", "postgresql://thrume:pw-thrume@127.0.0.1:" + pgPort + "/chat",
        "THRUME_JWT_SECRET", TestThrume.JWT_SECRET,
        "THRUME_CONFIG", config.toString(),
        "THRUME_DATA_DIR", TestThrume.tempDir().toString()), port);
      RestClient rest = new RestClient(vertx, port, null);
      User alice = rest.register("alice");
      User bob = rest.register("bob");
      User carol = rest.register("carol");
      String id = rest.conversation(alice, bob, carol);
      String address = "conversation." + id;
      BridgeClient bobSocket = BridgeClient.connect(vertx, port, bob.token());
      BridgeClient carolSocket = BridgeClient.connect(vertx, port, carol.token());
      sockets.add(bobSocket);
      sockets.add(carolSocket);
      carolSocket.registerInEffect(address);

      Sender overRest = new Sender();
      Sender overBridge = new Sender();
      threads.add(started(() -> sendOverRest(rest, alice, id, overRest, sending)));
      threads.add(started(() -> sendOverBridge(bobSocket, id, overBridge, sending)));
      List<long[]> health = Collections.synchronizedList(new ArrayList<>());
      long started = System.nanoTime();
      threads.add(started(() -> pollReadiness(port, started, health, carolSocket, sending)));

      Thread.sleep(2_000);
      long stoppedAt = ms(started);
      postgres.close();
      long stoppedDone = ms(started);
      Thread.sleep(OUTAGE_MS - (stoppedDone - stoppedAt));
      postgres = startPostgres(pgData, pgPort);
      long backAt = ms(started);
      // every sender gets at least one message through after the database is back
      int restBefore = overRest.acked.size();
      int bridgeBefore = overBridge.acked.size();
      // (or one gave up on an answer it did not expect: the assertions below say which)
      awaitCondition(() -> (overRest.acked.size() > restBefore + 3 && overBridge.acked.size() > bridgeBefore + 3)
          || !threads.get(0).isAlive() || !threads.get(1).isAlive(),
        Duration.ofSeconds(20), "both senders go on after the database is back");
      // and readiness is polled until it says UP (a check in flight when the database came back
      // may take its 3 s to answer DOWN): the bound is asserted below
      awaitCondition(() -> {
        synchronized (health) {
          return health.stream().anyMatch(h -> h[1] == 200 && h[0] >= backAt);
        }
      }, Duration.ofSeconds(10), "readiness UP again");
      sending.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }

      // /health/ready: DOWN while the database is down, UP again within 5 s of it being back
      long firstDown = health.stream().filter(h -> h[1] != 200 && h[0] >= stoppedAt).mapToLong(h -> h[0]).min().orElse(-1);
      long upAgain = health.stream().filter(h -> h[1] == 200 && h[0] >= backAt).mapToLong(h -> h[0]).min().orElse(-1);
      long lastDown = health.stream().filter(h -> h[1] != 200).mapToLong(h -> h[0]).max().orElse(-1);
      String figures = "database stopped at " + stoppedAt + " ms (stop took " + (stoppedDone - stoppedAt) + " ms), back at "
        + backAt + " ms; readiness DOWN from " + firstDown + " ms, UP again at " + upAgain + " ms (last DOWN " + lastDown
        + " ms); REST: " + overRest.acked.size() + " acknowledged, " + overRest.unavailable.size() + " refused UNAVAILABLE, "
        + overRest.retries + " retries; bridge: " + overBridge.acked.size() + " acknowledged, " + overBridge.unavailable.size()
        + " refused UNAVAILABLE, " + overBridge.retries + " retries";
      System.out.println("DatabaseRestartTest: " + figures);
      String context = figures + "\nlog: " + thrume.log;
      assertTrue(overRest.unexpected.isEmpty(), "REST answers: " + overRest.unexpected + "\n" + context);
      assertTrue(overBridge.unexpected.isEmpty(), "bridge answers: " + overBridge.unexpected + "\n" + context);
      assertFalse(overRest.unavailable.isEmpty(), "REST sends in the window are refused 503: " + context);
      assertFalse(overBridge.unavailable.isEmpty(), "bridge sends in the window are refused UNAVAILABLE: " + context);
      assertTrue(firstDown >= 0 && firstDown < backAt, "readiness DOWN while the database is: " + context);
      assertTrue(upAgain >= 0 && upAgain - backAt <= READY_AGAIN_MS, "UP within 5 s of the database: " + context);
      assertTrue(lastDown < upAgain, "and it stays UP: " + context);
      assertTrue(thrume.process.isAlive(), "the node did not exit: " + context);
      for (BridgeClient socket : sockets) {
        assertFalse(socket.isClosed(), "no socket was dropped: " + context);
      }

      // exactly once, gap-free: every acknowledged clientMessageId stored once, seqs 1..n
      Map<String, Long> acked = new TreeMap<>(overRest.acked);
      acked.putAll(overBridge.acked);
      List<Long> seqs = new ArrayList<>();
      try (Connection c = postgres.getDatabase("thrume", "chat").getConnection();
           ResultSet rs = c.createStatement().executeQuery("SELECT client_message_id, seq FROM message "
             + "WHERE conversation_id = '" + id + "' ORDER BY seq")) {
        while (rs.next()) {
          assertEquals(acked.get(rs.getString(1)), rs.getLong(2), "stored as acknowledged: " + rs.getString(1));
          seqs.add(rs.getLong(2));
        }
      }
      List<Long> expected = LongStream.rangeClosed(1, acked.size()).boxed().toList();
      assertEquals(expected, seqs, "one stored message per acknowledged send, seqs gap-free: " + context);

      // the watcher received every message once, live
      awaitCondition(() -> liveSeqs(carolSocket, address).size() >= acked.size(), Duration.ofSeconds(10),
        "the watcher receives every message");
      assertEquals(expected, liveSeqs(carolSocket, address), "each message once, in order: " + context);
    } finally {
      sending.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }
      sockets.forEach(BridgeClient::close);
      if (thrume != null) {
        thrume.close();
      }
      vertx.close();
      postgres.close();
    }
  }

  static EmbeddedPostgres startPostgres(Path data, int port) throws Exception {
    Files.createDirectories(data);
    return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
      .setRegisterShutdownHook(false).start();
  }

  /** One message after the other; a refused one is sent again, with its clientMessageId, after the retry-after. */
  static void sendOverRest(RestClient rest, User user, String conversationId, Sender out, AtomicBoolean sending) {
    for (int i = 0; sending.get(); i++) {
      String clientMessageId = "rest-" + i;
      while (true) {
        RestClient.Response r;
        try {
          r = rest.sendMessage(user, conversationId, "over REST " + i, clientMessageId);
        } catch (RuntimeException e) {
          out.unexpected.add(clientMessageId + ": " + e);
          return;
        }
        if (r.status() == 201 || r.status() == 200) {
          out.acked.put(clientMessageId, r.json().getLong("seq"));
          break;
        }
        String retryAfter = r.header("Retry-After");
        if (r.status() != 503 || retryAfter == null) {
          out.unexpected.add(clientMessageId + ": " + r.status() + " Retry-After " + retryAfter + " " + r);
          return;
        }
        out.unavailable.add(clientMessageId);
        out.retries++;
        pause(Long.parseLong(retryAfter) * 1000);
      }
    }
  }

  static void sendOverBridge(BridgeClient socket, String conversationId, Sender out, AtomicBoolean sending) {
    long pinged = System.nanoTime();
    for (int i = 0; sending.get(); i++) {
      String clientMessageId = "bridge-" + i;
      while (true) {
        if (System.nanoTime() - pinged > 10_000_000_000L) {
          socket.ping();
          pinged = System.nanoTime();
        }
        JsonObject answer;
        try {
          answer = socket.request("chat.send", new JsonObject().put("conversationId", conversationId)
            .put("content", "over the bridge " + i).put("clientMessageId", clientMessageId));
        } catch (AssertionError | RuntimeException e) {
          out.unexpected.add(clientMessageId + ": no answer " + e.getMessage());
          return;
        }
        if ("rec".equals(answer.getString("type"))) {
          out.acked.put(clientMessageId, answer.getJsonObject("body").getLong("seq"));
          break;
        }
        String message = answer.getString("message", "");
        Matcher retryAfter = RETRY_AFTER.matcher(message);
        if (!"err".equals(answer.getString("type")) || answer.getInteger("failureCode", 0) != 503
          || !message.startsWith("UNAVAILABLE: ") || !retryAfter.find()) {
          out.unexpected.add(clientMessageId + ": " + answer);
          return;
        }
        out.unavailable.add(clientMessageId);
        out.retries++;
        // the first time, at once: an UNAVAILABLE's retry-after is advice, not a limit the bridge
        // enforces (that would answer RATE_LIMITED); later ones wait as told
        if (out.unavailable.size() > 1) {
          pause(Long.parseLong(retryAfter.group(1)) * 1000);
        }
      }
    }
  }

  /** [ms since start, status] of /health/ready every 100 ms (status 0: no answer in 4 s); pings the watcher's socket. */
  static void pollReadiness(int port, long started, List<long[]> out, BridgeClient watcher, AtomicBoolean running) {
    long pinged = System.nanoTime();
    while (running.get()) {
      if (System.nanoTime() - pinged > 10_000_000_000L) {
        watcher.ping();
        pinged = System.nanoTime();
      }
      long at = ms(started);
      int status;
      try {
        status = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .timeout(Duration.ofSeconds(4)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        status = 0;
      }
      out.add(new long[] {at, status});
      pause(100);
    }
  }

  static Thread started(Runnable work) {
    Thread t = new Thread(work);
    t.start();
    return t;
  }
}

package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.StalledWebSocket;
import io.thrume.support.TestThrume;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heartbeat, slow consumers, SockJS refusals and /metrics, on an instance whose timings and queue
 * are shrunk through configuration (bridge.idleTimeoutMs, bridge.outboundQueueBytes, …) so the
 * tests take seconds, not minutes.
 */
class BridgeLimitsTest {
  static TestThrume thrume;
  static RestClient rest;

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject()
      .put("bridge", new JsonObject().put("idleTimeoutMs", 1500).put("sweepMs", 250)
        .put("outboundQueueBytes", 8192).put("maxOverflowFrames", 20))
      .put("chat", new JsonObject().put("sendBurst", 100_000).put("sendPerSecond", 100_000.0)), TestThrume.tempDir());
    rest = thrume.client();
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  @Test
  void aSilentSocketIsClosedAndAPingingOneStays() {
    User alice = rest.register("alice");
    try (BridgeClient silent = BridgeClient.connect(thrume, alice.token());
         BridgeClient pinging = BridgeClient.connect(thrume, alice.token())) {
      for (int i = 0; i < 12; i++) {
        pinging.ping();
        BridgeDeliveryTest.sleep(250);
      }
      assertTrue(silent.awaitClosed(Duration.ofSeconds(2)), "silent for more than the limit: closed");
      assertFalse(pinging.isClosed());
    }
  }

  @Test
  void aSlowConsumerIsClosedAndCatchesUpBySeq() throws Exception {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    String ticket = rest.post("/api/realtime/ticket", bob.token(), null).json().getString("ticket");
    int sent = 0;
    // bob's phone stalls: it registered, then reads nothing while alice sends big messages
    try (StalledWebSocket stalled = new StalledWebSocket(thrume.port, "/eventbus/websocket?ticket=" + ticket)) {
      stalled.sendText(new JsonObject().put("type", "register").put("address", address).encode());
      BridgeDeliveryTest.sleep(300);
      String big = "x".repeat(3900);
      while (sent < 8000 && metric("thrume_sockets_slow_closed_total") < 1) {
        for (int i = 0; i < 50; i++) {
          sent++;
          assertEquals(201, rest.sendMessage(alice, id, big + sent, "slow-" + sent).status());
        }
        // bob still pings, so only the queue can close his socket
        try {
          stalled.sendText("{\"type\":\"ping\"}");
        } catch (java.io.IOException e) {
          // the server dropped it as too slow during these 50 sends (reset): the loop's check says so
        }
      }
      assertEquals(1, metric("thrume_sockets_slow_closed_total"), "closed as too slow after " + sent + " messages");
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (openSockets() > 0 && System.nanoTime() < deadline) {
        BridgeDeliveryTest.sleep(200);
      }
      assertEquals(0, openSockets(), "and gone, though it never read the close frame");
    }
    try (BridgeClient back = BridgeClient.connect(thrume, bob.token())) {
      List<JsonObject> all = RecoveryTest.syncAll(back, id, 0);
      assertEquals(sent, all.size(), "nothing lost: all of it by seq");
    }
  }

  private static long openSockets() {
    return metric("thrume_sockets_open");
  }

  private static long metric(String name) {
    return (long) value(rest.get("/metrics", null).body().toString(), name);
  }

  @Test
  void aSockJSSessionWithoutAValidTicketIsToldWhyAndClosed() {
    WebSocketClient client = thrume.vertx.createWebSocketClient();
    try {
      List<String> frames = new CopyOnWriteArrayList<>();
      AtomicBoolean closed = new AtomicBoolean();
      // handlers set before the connection: the refusal and the close may come with the handshake's
      // answer, before a handler set once connected could see them (CI failed so once)
      io.vertx.core.http.ClientWebSocket ws = client.webSocket();
      ws.textMessageHandler(frames::add);
      ws.closeHandler(v -> closed.set(true));
      TestThrume.await(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(thrume.port)
        .setURI("/eventbus/123/abcdefgh/websocket?ticket=forged")), 10);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!closed.get() && System.nanoTime() < deadline) {
        BridgeDeliveryTest.sleep(50);
      }
      assertTrue(closed.get(), "closed: " + frames);
      assertTrue(frames.stream().anyMatch(f -> f.contains("UNAUTHORIZED")), frames.toString());
    } finally {
      client.close();
    }
  }

  @Test
  void metricsAreServedInPrometheusText() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      b.register("conversation." + id);
      b.register("user." + alice.id());
      BridgeDeliveryTest.sleep(200);
      b.call("chat.send", new JsonObject().put("conversationId", id).put("content", "counted").put("clientMessageId", "met-1"));
      b.event("conversation." + id, "message");
      RestClient.Response r = rest.get("/metrics", null);
      assertEquals(200, r.status());
      assertTrue(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type"));
      String text = r.body().toString();
      for (String metric : new String[]{"thrume_sockets_open ", "thrume_fanout_topics ", "thrume_fanout_sequenced_total{outcome=\"held\"}", "thrume_messages_persisted_total ",
        "thrume_deliveries_total ", "thrume_send_publish_seconds_bucket{", "thrume_failures_total{code=\"FORBIDDEN\",edge=\"bridge\"}",
        "vertx_http_server_requests_total"}) {
        assertTrue(text.contains(metric), metric + " missing");
      }
      assertTrue(value(text, "thrume_messages_persisted_total") >= 1);
      assertTrue(value(text, "thrume_deliveries_total") >= 1);
      assertTrue(value(text, "thrume_sockets_open") >= 1);
    }
  }

  static double value(String text, String name) {
    return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
      .findFirst().orElse(-1);
  }
}

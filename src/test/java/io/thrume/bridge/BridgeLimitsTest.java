package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.StalledWebSocket;
import io.thrume.support.TestThrume;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
    // A raw upgrade, read byte by byte: the answer, the refusal and the close can come in one read,
    // before a WebSocket client has completed its connect (Vert.x's client then fails the connect
    // with "WebSocket is closed" and may drop what came with it: CI failed so twice).
    NetClient net = thrume.vertx.createNetClient();
    try {
      NetSocket socket = TestThrume.await(net.connect(thrume.port, "127.0.0.1"), 10);
      Buffer received = Buffer.buffer();
      AtomicBoolean closed = new AtomicBoolean();
      socket.handler(b -> {
        synchronized (received) {
          received.appendBuffer(b);
        }
      });
      socket.closeHandler(v -> closed.set(true));
      socket.write("GET /eventbus/123/abcdefgh/websocket?ticket=forged HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      String text = "";
      while (System.nanoTime() < deadline) {
        synchronized (received) {
          text = received.toString(StandardCharsets.ISO_8859_1);
        }
        int refusal = text.indexOf("UNAUTHORIZED");
        // a close frame (FIN + opcode 8) after the refusal, or the connection gone
        if (refusal >= 0 && (closed.get() || text.indexOf((char) 0x88, refusal) >= 0)) {
          break;
        }
        BridgeDeliveryTest.sleep(50);
      }
      assertTrue(text.startsWith("HTTP/1.1 101"), text);
      int refusal = text.indexOf("UNAUTHORIZED");
      assertTrue(refusal >= 0, "told why: " + text);
      assertTrue(closed.get() || text.indexOf((char) 0x88, refusal) >= 0, "closed after the refusal: " + text);
    } finally {
      net.close();
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

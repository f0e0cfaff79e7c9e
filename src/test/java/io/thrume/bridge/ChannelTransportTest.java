package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Raw /eventbus/websocket sockets are served from their Netty channel once Vert.x has done the
 * handshake ({@link ChannelTransport}): what Vert.x' WebSocket did for them must still happen.
 */
class ChannelTransportTest {
  static TestThrume thrume;
  static RestClient rest;

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject(), TestThrume.tempDir());
    rest = thrume.client();
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  @Test
  void theSocketIsTakenFromVertxWebSocket() {
    User alice = rest.register("chan");
    try (BridgeClient client = BridgeClient.connect(thrume, alice.token())) {
      client.ping();
      String metrics = rest.get("/metrics", null).body().toString();
      assertTrue(BridgeLimitsTest.value(metrics, "thrume_sockets_open") >= 1, metrics);
      // Vert.x was told its WebSocket closed when the channel was taken: none of its own stays open
      assertEquals(0, BridgeLimitsTest.value(metrics, "vertx_http_server_active_ws_connections"), metrics);
      assertEquals("rec", client.request("chat.sync", new JsonObject().put("positions", new JsonObject()))
        .getString("type"), "the bridge still answers on it");
    }
  }

  @Test
  void socketsOfOneEventLoopShareItsHub() {
    // Vert.x runs each upgrade on its own duplicate of the loop's context: the fan-out must still
    // group sockets by event loop (one sweep timer and one task per event per loop, not per socket)
    User erin = rest.register("chan");
    java.util.List<BridgeClient> clients = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        clients.add(BridgeClient.connect(thrume, erin.token()));
      }
      clients.forEach(BridgeClient::ping);
      String metrics = rest.get("/metrics", null).body().toString();
      assertTrue(BridgeLimitsTest.value(metrics, "thrume_sockets_open") >= 5, metrics);
      double loops = BridgeLimitsTest.value(metrics, "thrume_fanout_loops");
      assertTrue(loops >= 1 && loops <= thrume.config.getJsonObject("http").getInteger("instances"),
        "hubs: " + loops);
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }

  @Test
  void pingsAreAnsweredAndACloseIsEchoed() {
    User bob = rest.register("chan");
    try (BridgeClient client = BridgeClient.connect(thrume, bob.token())) {
      Promise<Buffer> pong = Promise.promise();
      client.ws.pongHandler(pong::tryComplete);
      client.ws.writePing(Buffer.buffer("are you there"));
      assertEquals("are you there", TestThrume.await(pong.future(), 10).toString());

      Promise<Short> closed = Promise.promise();
      client.ws.closeHandler(v -> closed.tryComplete(client.ws.closeStatusCode()));
      client.ws.close((short) 4000, "bye");
      assertEquals((short) 4000, TestThrume.await(closed.future(), 10));
    }
  }

  @Test
  void aMessageSentInFragmentsIsJoined() {
    User carol = rest.register("chan");
    try (BridgeClient client = BridgeClient.connect(thrume, carol.token())) {
      String frame = new JsonObject().put("type", "send").put("address", "chat.sync")
        .put("body", new JsonObject().put("positions", new JsonObject())).put("replyAddress", "in-pieces").encode();
      int half = frame.length() / 2;
      client.ws.writeFrame(WebSocketFrame.textFrame(frame.substring(0, half), false));
      client.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(frame.substring(half)), true));
      JsonObject reply = client.await(f -> "in-pieces".equals(f.getString("address")), Duration.ofSeconds(10));
      assertEquals("rec", reply.getString("type"), reply.encode());
    }
  }

  @Test
  void anOversizedMessageClosesWith1009() {
    User dave = rest.register("chan");
    try (BridgeClient client = BridgeClient.connect(thrume, dave.token())) {
      Promise<Short> closed = Promise.promise();
      client.ws.closeHandler(v -> closed.tryComplete(client.ws.closeStatusCode()));
      // in three fragments, each within the frame limit (64 KiB), together over the message limit
      // (2 × 64 KiB): the aggregator's limit, not the frame decoder's, closes it
      String piece = "x".repeat(60_000);
      client.ws.writeFrame(WebSocketFrame.textFrame(piece, false));
      client.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(piece), false));
      client.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(piece), true));
      assertEquals((short) 1009, TestThrume.await(closed.future(), 10));
      // a message never read is not answered: no err frame, only the close
      assertEquals(java.util.List.of(), client.received, "frames before the close");
    }
  }
}

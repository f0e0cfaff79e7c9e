package io.thrume.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A large answer that only passes through (a sync, a page) crosses the node's hops without a
 * copy, where a JsonObject is copied whole at every reply; and its text survives the wire.
 */
class EncodedJsonTest {
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    EncodedJson.register(vertx.eventBus());
    EncodedJson.register(vertx.eventBus());
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void withinTheNodeTheAnswerIsHandedOverAsItIs() throws Exception {
    EncodedJson answer = EncodedJson.of(new JsonObject().put("messages", new JsonArray().add("héllo 👋")));
    // two hops, as store → chat service → bridge
    Handlers.serve(vertx.eventBus(), "test.store", m -> io.vertx.core.Future.succeededFuture(answer));
    Handlers.serve(vertx.eventBus(), "test.chat",
      m -> vertx.eventBus().request("test.store", m.body(), Local.delivery()).map(Message::body));
    Object received = vertx.eventBus().request("test.chat", new JsonObject(), Local.delivery()).map(Message::body)
      .await(10, TimeUnit.SECONDS);
    assertSame(answer, received);
  }

  @Test
  void betweenNodesTheTextTravelsWhole() {
    EncodedJson.Codec codec = new EncodedJson.Codec();
    EncodedJson sent = EncodedJson.of(new JsonObject().put("t", "汉字 \"q\" 😀").put("n", 3));
    Buffer wire = Buffer.buffer().appendString("header");
    codec.encodeToWire(wire, sent);
    wire.appendString("after");
    EncodedJson read = codec.decodeFromWire(6, wire);
    assertEquals(sent.utf8(), read.utf8());
    assertEquals(new JsonObject().put("t", "汉字 \"q\" 😀").put("n", 3), new JsonObject(read.utf8()));
  }
}

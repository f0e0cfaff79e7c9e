package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * chat.edit, chat.delete, chat.react and replies on the bridge (docs/bridge-protocol.md): each change
 * reaches the conversation's live sockets as one message.updated, and a client that was away
 * converges with chat.sync's changes.
 */
@ExtendWith(SharedThrume.class)
class MessageChangeBridgeTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  static JsonObject change(BridgeClient socket, String address, JsonObject body) {
    return socket.call(address, body);
  }

  @Test
  void everyChangeIsOneMessageUpdatedForTheLiveMembers() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token()); BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.registerInEffect(address);
      b.registerInEffect(address);
      a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "hello").put("clientMessageId", "b-1"));
      JsonObject reply = b.call("chat.send", new JsonObject().put("conversationId", id).put("content", "hi back")
        .put("clientMessageId", "b-2").put("replyToSeq", 1));
      assertEquals(new JsonObject().put("seq", 1L).put("senderId", alice.id()).put("excerpt", "hello"), reply.getJsonObject("replyTo"));

      JsonObject edited = change(a, "chat.edit", new JsonObject().put("conversationId", id).put("seq", 1).put("content", "hello!"));
      JsonObject reacted = change(b, "chat.react", new JsonObject().put("conversationId", id).put("seq", 1).put("emoji", "🎉")
        .put("on", true));
      // the same reaction again: answered, no event
      change(b, "chat.react", new JsonObject().put("conversationId", id).put("seq", 1).put("emoji", "🎉").put("on", true));
      JsonObject deleted = change(b, "chat.delete", new JsonObject().put("conversationId", id).put("seq", 2));
      assertEquals(List.of(1L, 2L, 3L), List.of(edited.getLong("changeSeq"), reacted.getLong("changeSeq"), deleted.getLong("changeSeq")));
      for (BridgeClient socket : List.of(a, b)) {
        for (JsonObject expected : List.of(edited, reacted, deleted)) {
          JsonObject event = socket.await(BridgeClient.isEvent(address, "message.updated"), BridgeClient.WAIT);
          assertEquals(expected, event.getJsonObject("body").getJsonObject("message"));
        }
        assertNull(socket.poll(BridgeClient.isEvent(address, "message.updated"), Duration.ofMillis(300)), "one event per change");
      }

      // refused: not the sender, bad emoji, bad seq; each an err to the request, and no event
      for (JsonObject[] bad : List.of(
        new JsonObject[] {new JsonObject().put("conversationId", id).put("seq", 1).put("content", "mine"), new JsonObject().put("code", 403)},
        new JsonObject[] {new JsonObject().put("conversationId", id).put("seq", 0).put("content", "x"), new JsonObject().put("code", 400)},
        // bob's own message, deleted (REST answers 409; the bridge's failure codes have no conflict)
        new JsonObject[] {new JsonObject().put("conversationId", id).put("seq", 2).put("content", "x"), new JsonObject().put("code", 400)})) {
        JsonObject err = b.request("chat.edit", bad[0]);
        assertEquals("err", err.getString("type"), err.toString());
        assertEquals(bad[1].getInteger("code"), err.getInteger("failureCode"), err.toString());
      }
      JsonObject badEmoji = b.request("chat.react", new JsonObject().put("conversationId", id).put("seq", 1).put("emoji", "ab").put("on", true));
      assertEquals(400, badEmoji.getInteger("failureCode"), badEmoji.toString());
      JsonObject noOn = b.request("chat.react", new JsonObject().put("conversationId", id).put("seq", 1).put("emoji", "👍"));
      assertEquals(400, noOn.getInteger("failureCode"), noOn.toString());
      assertNull(a.poll(BridgeClient.isEvent(address, "message.updated"), Duration.ofMillis(300)));
    }
  }

  @Test
  void aClientThatWasAwayConvergesWithOneSync() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    JsonObject seen;
    JsonArray bobsCopy;
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      for (int i = 1; i <= 3; i++) {
        rest.sendMessage(alice, id, "m" + i, "away-" + i);
      }
      seen = b.call("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, 0))
        .put("changes", new JsonObject().put(id, 0))).getJsonObject("conversations").getJsonObject(id);
      bobsCopy = seen.getJsonArray("messages");
      assertEquals(0L, seen.getLong("lastChange"));
      assertEquals(new JsonArray(), seen.getJsonArray("changed"));
    }
    // bob is away: edits, a delete, reactions, and a new message
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      a.call("chat.edit", new JsonObject().put("conversationId", id).put("seq", 1).put("content", "m1 edited"));
      a.call("chat.delete", new JsonObject().put("conversationId", id).put("seq", 2));
      a.call("chat.react", new JsonObject().put("conversationId", id).put("seq", 3).put("emoji", "👍").put("on", true));
      a.call("chat.react", new JsonObject().put("conversationId", id).put("seq", 1).put("emoji", "❤️").put("on", true));
      a.call("chat.react", new JsonObject().put("conversationId", id).put("seq", 1).put("emoji", "❤️").put("on", false));
      a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "m4").put("clientMessageId", "away-4"));
    }
    // back: one sync from what bob held
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      JsonObject entry = b.call("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, seen.getLong("lastSeq")))
        .put("changes", new JsonObject().put(id, seen.getLong("lastChange")))).getJsonObject("conversations").getJsonObject(id);
      assertEquals(5L, entry.getLong("lastChange"));
      assertEquals(false, entry.getBoolean("changedHasMore"));
      // apply as a client does: new messages appended, changed ones replaced by seq
      java.util.Map<Long, JsonObject> copy = new java.util.TreeMap<>();
      bobsCopy.forEach(o -> copy.put(((JsonObject) o).getLong("seq"), (JsonObject) o));
      entry.getJsonArray("messages").forEach(o -> copy.put(((JsonObject) o).getLong("seq"), (JsonObject) o));
      entry.getJsonArray("changed").forEach(o -> copy.put(((JsonObject) o).getLong("seq"), (JsonObject) o));
      JsonArray server = rest.get("/api/conversations/" + id + "/messages", bob.token()).json().getJsonArray("messages");
      assertEquals(server, new JsonArray(List.copyOf(copy.values())), "bob's copy is the server's state");
      assertTrue(copy.get(2L).getString("content").isEmpty());
    }
  }

  @Test
  void syncRefusesBadChangePositions() {
    User alice = rest.register("alice");
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      for (JsonObject body : List.of(
        new JsonObject().put("positions", new JsonObject()).put("changes", "x"),
        new JsonObject().put("positions", new JsonObject()).put("changes", new JsonObject().put("nope", 0)),
        new JsonObject().put("positions", new JsonObject()).put("changes", new JsonObject()
          .put(java.util.UUID.randomUUID().toString(), -1)))) {
        JsonObject err = a.request("chat.sync", body);
        assertEquals(400, err.getInteger("failureCode"), err.toString());
      }
    }
  }
}

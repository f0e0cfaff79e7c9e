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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nothing is lost across a disconnect: chat.sync pages what was missed; receipts move forward only. */
@ExtendWith(SharedThrume.class)
class RecoveryTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  /** The N of an err frame's "RATE_LIMITED: retry after N s", as a client reads it; 1 without one. */
  static long retryAfterSeconds(String message) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("retry after (\\d+) s").matcher(message);
    return m.find() ? Long.parseLong(m.group(1)) : 1;
  }

  /** Every message after {@code from}, page by page, waiting when told to (RATE_LIMITED), as a client does. */
  static List<JsonObject> syncAll(BridgeClient client, String conversationId, long from) {
    List<JsonObject> all = new ArrayList<>();
    long position = from;
    for (int page = 0; page < 200; page++) {
      JsonObject frame = client.request("chat.sync", new JsonObject().put("positions", new JsonObject().put(conversationId, position)));
      if ("err".equals(frame.getString("type")) && frame.getInteger("failureCode") == 429) {
        long seconds = retryAfterSeconds(frame.getString("message"));
        BridgeDeliveryTest.sleep(seconds * 1000);
        continue;
      }
      JsonObject reply = frame.getJsonObject("body");
      JsonObject entry = reply.getJsonObject("conversations").getJsonObject(conversationId);
      JsonArray messages = entry.getJsonArray("messages");
      messages.forEach(m -> all.add((JsonObject) m));
      if (!messages.isEmpty()) {
        position = messages.getJsonObject(messages.size() - 1).getLong("seq");
      }
      if (!entry.getBoolean("hasMore")) {
        return all;
      }
    }
    throw new AssertionError("sync did not end");
  }

  @Test
  void aClientAwayWhile200MessagesAreSentCatchesUpToExactlyThose200InOrder() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    Map<String, JsonObject> sent = new LinkedHashMap<>();
    long seen;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
        b.registerInEffect(address);
        BridgeDeliveryTest.sleep(200);
        JsonObject first = a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "before")
          .put("clientMessageId", "r-0"));
        sent.put(first.getString("id"), first);
        seen = b.event(address, "message").getJsonObject("message").getLong("seq");
        assertEquals(1, seen);
      }
      for (int i = 1; i <= 200; i++) {
        JsonObject m = a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "while away " + i)
          .put("clientMessageId", "r-" + i));
        sent.put(m.getString("id"), m);
      }
    }
    try (BridgeClient back = BridgeClient.connect(thrume, bob.token())) {
      back.registerInEffect(address);
      List<JsonObject> missed = syncAll(back, id, seen);
      assertEquals(200, missed.size());
      assertEquals(LongStream.rangeClosed(2, 201).boxed().toList(), missed.stream().map(m -> m.getLong("seq")).toList());
      assertEquals(missed.stream().map(m -> m.getString("id")).toList(),
        sent.keySet().stream().skip(1).toList(), "exactly the messages sent while away");
      for (int i = 0; i < 200; i++) {
        assertEquals(sent.get(missed.get(i).getString("id")), missed.get(i));
      }
    }
  }

  @Test
  void syncAnswersPerConversationAndLeavesOutOthersConversations() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    String one = rest.conversation(alice, bob);
    String two = rest.conversation(alice, carol);
    String notMine = rest.conversation(bob, carol);
    for (int i = 1; i <= 3; i++) {
      rest.sendMessage(bob, one, "one-" + i, "s1-" + i);
      rest.sendMessage(carol, two, "two-" + i, "s2-" + i);
      rest.sendMessage(carol, notMine, "secret-" + i, "s3-" + i);
    }
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      JsonObject reply = a.call("chat.sync", new JsonObject().put("positions", new JsonObject()
        .put(one, 1).put(two, 3).put(notMine, 0)));
      JsonObject conversations = reply.getJsonObject("conversations");
      assertEquals(2, conversations.size(), conversations.encode());
      assertFalse(conversations.containsKey(notMine));
      assertEquals(List.of(2L, 3L), conversations.getJsonObject(one).getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getLong("seq")).toList());
      assertTrue(conversations.getJsonObject(two).getJsonArray("messages").isEmpty());
      assertEquals(3, conversations.getJsonObject(two).getLong("lastSeq"));
      for (JsonObject bad : new JsonObject[]{new JsonObject(), new JsonObject().put("positions", "x"),
        new JsonObject().put("positions", new JsonObject().put("not-a-uuid", 0)),
        new JsonObject().put("positions", new JsonObject().put(one, -1)),
        new JsonObject().put("positions", new JsonObject().put(one, "3"))}) {
        assertEquals(400, a.request("chat.sync", bad).getInteger("failureCode"), bad.encode());
      }
    }
  }

  @Test
  void deliveredAndReadReceiptsMoveForwardOnly() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String address = "conversation." + id;
    for (int i = 1; i <= 3; i++) {
      rest.sendMessage(alice, id, "m" + i, "rcpt-" + i);
    }
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.registerInEffect(address);
      BridgeDeliveryTest.sleep(200);
      assertEquals(3, b.call("chat.delivered", new JsonObject().put("conversationId", id).put("seq", 3)).getLong("deliveredSeq"));
      JsonObject delivered = a.event(address, "delivered");
      assertEquals(bob.id(), delivered.getString("userId"));
      assertEquals(3, delivered.getLong("seq"));
      // backward: accepted, nothing moves, nothing is published
      b.call("chat.delivered", new JsonObject().put("conversationId", id).put("seq", 1));
      b.call("chat.read", new JsonObject().put("conversationId", id).put("seq", 2));
      JsonObject read = a.event(address, "read");
      assertEquals(2, read.getLong("seq"));
      b.call("chat.read", new JsonObject().put("conversationId", id).put("seq", 1));
      assertTrue(a.poll(f -> BridgeClient.isEvent(address, "delivered").test(f) || BridgeClient.isEvent(address, "read").test(f),
        java.time.Duration.ofMillis(500)) == null);
      assertEquals(3, thrume.count("SELECT delivered_seq FROM participant WHERE conversation_id = '" + id
        + "' AND account_id = '" + bob.id() + "'"));
      assertEquals(2, thrume.count("SELECT read_seq FROM participant WHERE conversation_id = '" + id
        + "' AND account_id = '" + bob.id() + "'"));
      assertEquals(400, b.request("chat.delivered", new JsonObject().put("conversationId", id).put("seq", 9)).getInteger("failureCode"));
    }
  }

  @Test
  void sendsOverTheBridgeShareTheRateLimit() {
    TestThrume strict = TestThrume.start(new JsonObject(), TestThrume.tempDir());
    try {
      RestClient r = strict.client();
      User alice = r.register("alice");
      User bob = r.register("bob");
      String id = r.conversation(alice, bob);
      for (int i = 0; i < 5; i++) {
        assertEquals(201, r.sendMessage(alice, id, "rest " + i, "rl-rest-" + i).status());
      }
      try (BridgeClient a = BridgeClient.connect(strict, alice.token())) {
        for (int i = 0; i < 5; i++) {
          a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "ws " + i).put("clientMessageId", "rl-ws-" + i));
        }
        JsonObject limited = a.request("chat.send", new JsonObject().put("conversationId", id).put("content", "one more")
          .put("clientMessageId", "rl-ws-5"));
        assertEquals(429, limited.getInteger("failureCode"));
        assertTrue(limited.getString("message").matches("RATE_LIMITED: retry after \\d+ s"), limited.getString("message"));
      }
    } finally {
      strict.close();
    }
  }
}

package io.thrume.cluster;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Message changes across real nodes: a change made on one node reaches the members on the other
 * as one message.updated, and a member that was away converges with one chat.sync on the node it
 * comes back to, whichever node made the changes.
 */
class MessageChangeClusterTest {
  static ThrumeCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new ThrumeCluster(2, new JsonObject()
      .put("auth", new JsonObject().put("attemptsBurst", 1000).put("attemptsPerMinute", 1000)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void changesReachEveryNodeAndAMemberThatWasAwayConverges() {
    User alice = cluster.rest(0).register("alice");
    User bob = cluster.rest(1).register("bob");
    String id = cluster.rest(0).acceptedConversation(alice, bob);
    String address = "conversation." + id;
    for (int i = 1; i <= 3; i++) {
      cluster.rest(0).sendMessage(alice, id, "m" + i, "x-" + i);
    }
    JsonObject held;
    try (BridgeClient a = cluster.connect(0, alice.token()); BridgeClient b = cluster.connect(1, bob.token())) {
      b.registerInEffect(address);
      held = b.call("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, 0))
        .put("changes", new JsonObject().put(id, 0))).getJsonObject("conversations").getJsonObject(id);
      JsonObject edited = a.call("chat.edit", new JsonObject().put("conversationId", id).put("seq", 1).put("content", "m1!"));
      JsonObject event = b.await(BridgeClient.isEvent(address, "message.updated"), BridgeClient.WAIT);
      assertEquals(edited, event.getJsonObject("body").getJsonObject("message"), "node 0's change on node 1");
      JsonObject reacted = b.call("chat.react", new JsonObject().put("conversationId", id).put("seq", 1).put("emoji", "👀").put("on", true));
      assertEquals(reacted, b.await(BridgeClient.isEvent(address, "message.updated"), BridgeClient.WAIT)
        .getJsonObject("body").getJsonObject("message"));
      assertNull(b.poll(BridgeClient.isEvent(address, "message.updated"), Duration.ofMillis(300)));
      held.put("lastChange", reacted.getLong("changeSeq"));
      held.getJsonArray("messages").set(0, reacted);
    }
    // away: changes made on both nodes
    cluster.rest(0).delete("/api/conversations/" + id + "/messages/2", alice.token());
    cluster.rest(1).put("/api/conversations/" + id + "/messages/3/reactions/%F0%9F%91%8D", alice.token());
    cluster.rest(1).sendMessage(alice, id, "m4", "x-4");
    try (BridgeClient b = cluster.connect(0, bob.token())) {
      JsonObject entry = b.call("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, held.getLong("lastSeq")))
        .put("changes", new JsonObject().put(id, held.getLong("lastChange")))).getJsonObject("conversations").getJsonObject(id);
      Map<Long, JsonObject> copy = new TreeMap<>();
      for (JsonArray list : List.of(held.getJsonArray("messages"), entry.getJsonArray("messages"), entry.getJsonArray("changed"))) {
        list.forEach(o -> copy.put(((JsonObject) o).getLong("seq"), (JsonObject) o));
      }
      JsonArray server = cluster.rest(1).get("/api/conversations/" + id + "/messages", bob.token()).json().getJsonArray("messages");
      assertEquals(server, new JsonArray(List.copyOf(copy.values())), "bob's copy is the server's state");
      assertEquals(4L, entry.getLong("lastChange"));
    }
  }
}

package io.thrume.cluster;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Groups across real nodes: the participants and conversation.updated events arrive on every node;
 * a user added on one node registers the conversation on another at once (no node holds a stale
 * "not a participant", not even one that refused that user a moment before or heard of their
 * removal); a removed user stops receiving on every node within a second.
 */
class GroupsClusterTest {
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

  static Response add(int node, User caller, String conversationId, User... users) {
    JsonArray ids = new JsonArray();
    for (User u : users) {
      ids.add(u.id());
    }
    return cluster.rest(node).post("/api/conversations/" + conversationId + "/participants", caller.token(),
      new JsonObject().put("userIds", ids));
  }

  static Predicate<JsonObject> message(String address, String clientMessageId) {
    return f -> BridgeClient.isEvent(address, "message").test(f)
      && clientMessageId.equals(f.getJsonObject("body").getJsonObject("message").getString("clientMessageId"));
  }

  static Predicate<JsonObject> refused(String address) {
    return f -> "err".equals(f.getString("type")) && address.equals(f.getString("address"));
  }

  @Test
  void groupEventsReachEveryNodeAndAddedUsersRegisterAtOnceAnywhere() {
    User alice = cluster.rest(0).register("alice");
    User bob = cluster.rest(1).register("bob");
    User carol = cluster.rest(1).register("carol");
    String id = cluster.rest(0).acceptedConversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = cluster.connect(0, alice.token());
         BridgeClient b = cluster.connect(1, bob.token());
         BridgeClient c = cluster.connect(1, carol.token());
         BridgeClient c0 = cluster.connect(0, carol.token())) {
      a.registerInEffect(address);
      b.registerInEffect(address);
      c.registerInEffect("user." + carol.id());
      c0.registerInEffect("user." + carol.id());
      // both nodes have just answered carol "not a participant"
      for (BridgeClient s : List.of(c, c0)) {
        s.register(address);
        assertEquals(403, s.await(refused(address), BridgeClient.WAIT).getInteger("failureCode"));
      }

      // alice adds carol on node 0; right after the answer carol registers on both nodes
      assertEquals(200, add(0, alice, id, carol).status());
      c.registerInEffect(address);
      c0.registerInEffect(address);
      for (BridgeClient s : List.of(c, c0)) {
        assertEquals(id, s.event("user." + carol.id(), "conversation.created").getJsonObject("conversation").getString("id"));
      }
      for (BridgeClient s : List.of(a, b)) {
        JsonObject p = s.event(address, "participants");
        assertEquals(carol.id(), p.getJsonArray("added").getJsonObject(0).getString("id"));
        assertEquals(alice.id(), p.getString("by"));
      }
      assertEquals(201, cluster.rest(0).sendMessage(alice, id, "hi carol", "gc-1").status());
      for (BridgeClient s : List.of(b, c, c0)) {
        s.await(message(address, "gc-1"), BridgeClient.WAIT);
      }
      for (BridgeClient s : List.of(c, c0)) {
        assertEquals(1, s.receivedSoFar().stream().filter(refused(address)).count(), "registered once added");
      }

      // bob renames on node 1: every node hears it
      Response renamed = cluster.rest(1).send(HttpMethod.PATCH, "/api/conversations/" + id, bob.token(),
        new JsonObject().put("title", "Across").toBuffer(), null);
      assertEquals(200, renamed.status(), renamed.toString());
      for (BridgeClient s : List.of(a, b, c, c0)) {
        assertEquals("Across", s.event(address, "conversation.updated").getJsonObject("conversation").getString("title"));
      }

      // alice removes carol on node 0: node 1 and node 0 stop delivering to her within a second
      long removedAt = System.nanoTime();
      assertEquals(204, cluster.rest(0).delete("/api/conversations/" + id + "/participants/" + carol.id(), alice.token()).status());
      for (BridgeClient s : List.of(c, c0)) {
        s.event("user." + carol.id(), "conversation.removed");
      }
      long toldMs = (System.nanoTime() - removedAt) / 1_000_000;
      assertTrue(toldMs < 1000, "told on both nodes within 1 s: " + toldMs + " ms");
      assertEquals(new JsonArray().add(carol.id()), b.event(address, "participants").getJsonArray("removed"));
      assertEquals(201, cluster.rest(1).sendMessage(bob, id, "after carol", "gc-2").status());
      a.await(message(address, "gc-2"), BridgeClient.WAIT);
      for (BridgeClient s : List.of(c, c0)) {
        assertNull(s.poll(message(address, "gc-2"), Duration.ofMillis(500)), "a removed user receives nothing more");
        s.register(address);
      }
      for (BridgeClient s : List.of(c, c0)) {
        assertEquals(2, countRefusals(s, address), "refused again after the removal");
      }

      // added again (by bob, on node 1): both nodes let her register at once, the removal they
      // heard of notwithstanding
      assertEquals(200, add(1, bob, id, carol).status());
      c.registerInEffect(address);
      c0.registerInEffect(address);
      assertEquals(201, cluster.rest(0).sendMessage(alice, id, "welcome back", "gc-3").status());
      for (BridgeClient s : List.of(c, c0)) {
        s.await(message(address, "gc-3"), BridgeClient.WAIT);
        assertEquals(2, countRefusals(s, address));
      }
    }
  }

  static long countRefusals(BridgeClient s, String address) {
    long deadline = System.nanoTime() + BridgeClient.WAIT.toNanos();
    long n;
    // the second refusal comes asynchronously: wait for it, or for the count to settle
    do {
      n = s.receivedSoFar().stream().filter(refused(address)).count();
      if (n >= 2) {
        return n;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return n;
      }
    } while (System.nanoTime() < deadline);
    return n;
  }
}

package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Groups on the bridge (docs/bridge-protocol.md, "participants", "conversation.updated"): an added user
 * registers the conversation right after the add's answer and receives it live; renames reach every
 * socket; a removed or leaving user stops receiving within a second, and the others are told.
 */
@ExtendWith(SharedThrume.class)
class GroupsBridgeTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  static Response add(User caller, String conversationId, User... users) {
    JsonArray ids = new JsonArray();
    for (User u : users) {
      ids.add(u.id());
    }
    return rest.post("/api/conversations/" + conversationId + "/participants", caller.token(), new JsonObject().put("userIds", ids));
  }

  static Predicate<JsonObject> message(String address, String clientMessageId) {
    return f -> BridgeClient.isEvent(address, "message").test(f)
      && clientMessageId.equals(f.getJsonObject("body").getJsonObject("message").getString("clientMessageId"));
  }

  static Predicate<JsonObject> refused(String address) {
    return f -> "err".equals(f.getString("type")) && address.equals(f.getString("address"));
  }

  @Test
  void addedUsersRegisterAtOnceRenamesArriveAndRemovedUsersStop() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    String id = rest.acceptedConversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token());
         BridgeClient c = BridgeClient.connect(thrume, carol.token())) {
      a.registerInEffect(address);
      b.registerInEffect(address);
      c.registerInEffect("user." + carol.id());
      // not a participant yet: refused
      c.register(address);
      assertEquals(403, c.await(refused(address), BridgeClient.WAIT).getInteger("failureCode"));

      Response added = add(bob, id, carol);
      assertEquals(200, added.status(), added.toString());
      // right after the answer, carol registers: no refusal, and she receives what follows
      c.registerInEffect(address);
      assertEquals(201, rest.sendMessage(alice, id, "welcome carol", "g-1").status());
      c.await(message(address, "g-1"), BridgeClient.WAIT);
      assertTrue(c.receivedSoFar().stream().filter(refused(address)).count() == 1, "only the first register was refused");
      assertEquals(id, c.event("user." + carol.id(), "conversation.created").getJsonObject("conversation").getString("id"));
      for (BridgeClient s : List.of(a, b)) {
        JsonObject p = s.event(address, "participants");
        assertEquals(carol.id(), p.getJsonArray("added").getJsonObject(0).getString("id"));
        assertEquals(new JsonArray(), p.getJsonArray("removed"));
        assertEquals(bob.id(), p.getString("by"));
      }

      // a rename reaches everyone, the invited newcomer included
      Response renamed = rest.send(HttpMethod.PATCH, "/api/conversations/" + id, alice.token(),
        new JsonObject().put("title", "Team").toBuffer(), null);
      assertEquals(200, renamed.status(), renamed.toString());
      for (BridgeClient s : List.of(a, b, c)) {
        assertEquals("Team", s.event(address, "conversation.updated").getJsonObject("conversation").getString("title"));
      }

      // carol leaves: the others hear participants {removed}, her socket stops receiving at once
      long leftAt = System.nanoTime();
      assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/me", carol.token()).status());
      JsonObject left = a.event(address, "participants");
      assertEquals(new JsonArray().add(carol.id()), left.getJsonArray("removed"));
      assertEquals(new JsonArray(), left.getJsonArray("added"));
      assertEquals(carol.id(), left.getString("by"));
      c.event("user." + carol.id(), "conversation.removed");
      long toldMs = (System.nanoTime() - leftAt) / 1_000_000;
      assertTrue(toldMs < 1000, "told within 1 s: " + toldMs + " ms");
      assertEquals(201, rest.sendMessage(alice, id, "after carol", "g-2").status());
      b.await(message(address, "g-2"), BridgeClient.WAIT);
      assertNull(c.poll(message(address, "g-2"), Duration.ofMillis(500)), "a user who left receives nothing more");
      c.register(address);
      assertEquals(403, c.await(refused(address), BridgeClient.WAIT).getInteger("failureCode"));

      // added again, she may register again at once
      assertEquals(200, add(alice, id, carol).status());
      c.registerInEffect(address);
      assertEquals(201, rest.sendMessage(bob, id, "welcome back", "g-3").status());
      c.await(message(address, "g-3"), BridgeClient.WAIT);

      // the creator removes bob: everyone is told, bob stops receiving
      assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/" + bob.id(), alice.token()).status());
      JsonObject removed = c.await(f -> BridgeClient.isEvent(address, "participants").test(f)
        && f.getJsonObject("body").getJsonArray("removed").contains(bob.id()), BridgeClient.WAIT).getJsonObject("body");
      assertEquals(alice.id(), removed.getString("by"));
      assertEquals(201, rest.sendMessage(alice, id, "after bob", "g-4").status());
      c.await(message(address, "g-4"), BridgeClient.WAIT);
      assertNull(b.poll(message(address, "g-4"), Duration.ofMillis(500)), "a removed user receives nothing more");
    }
  }
}

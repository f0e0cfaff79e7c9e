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
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Presence with its grace period, typing that never sticks, and who may see either. Default timings. */
@ExtendWith(SharedThrume.class)
class PresenceAndTypingTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  private static JsonObject presenceOf(User asker, User who) {
    RestClient.Response r = rest.get("/api/presence?userIds=" + who.id(), asker.token());
    assertEquals(200, r.status(), r.toString());
    return r.json().getJsonObject(who.id());
  }

  @Test
  void onlineThenOfflineOnlyAfterTheGrace() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    rest.acceptedConversation(alice, bob);
    assertFalse(presenceOf(alice, bob).getBoolean("online"));
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      a.register("user." + alice.id());
      JsonObject watched = a.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(bob.id())));
      assertFalse(watched.getJsonObject(bob.id()).getBoolean("online"), "the watch answers the current state");
      BridgeClient b = BridgeClient.connect(thrume, bob.token());
      JsonObject online = a.event("user." + alice.id(), "presence");
      assertEquals(bob.id(), online.getString("userId"));
      assertTrue(online.getBoolean("online"));
      assertTrue(presenceOf(alice, bob).getBoolean("online"));

      // a reload: gone and back within the grace, nobody is told anything
      b.close();
      BridgeClient again = BridgeClient.connect(thrume, bob.token());
      assertNull(a.poll(BridgeClient.isEvent("user." + alice.id(), "presence"), Duration.ofSeconds(2)));
      again.close();
      Instant closedAt = Instant.now();
      assertTrue(presenceOf(alice, bob).getBoolean("online"), "still online during the grace");

      JsonObject offline = a.await(BridgeClient.isEvent("user." + alice.id(), "presence"), Duration.ofSeconds(15))
        .getJsonObject("body");
      long waited = Duration.between(closedAt, Instant.now()).toMillis();
      assertFalse(offline.getBoolean("online"));
      assertNotNull(offline.getString("lastSeen"));
      assertTrue(waited >= 9_000, "offline after the 10 s grace, not before: " + waited + " ms");
      JsonObject after = presenceOf(alice, bob);
      assertFalse(after.getBoolean("online"));
      assertNotNull(after.getString("lastSeen"), "last seen is remembered");
    }
  }

  @Test
  void noPresenceLeaksToUsersWhoShareNoConversation() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User stranger = rest.register("stranger");
    rest.acceptedConversation(alice, bob);
    try (BridgeClient s = BridgeClient.connect(thrume, stranger.token());
         BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      s.register("user." + stranger.id());
      a.register("user." + alice.id());
      a.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(bob.id())));
      JsonObject strangerWatch = s.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(bob.id()).add(alice.id())));
      assertEquals(new JsonObject(), strangerWatch, "a stranger may not watch: nobody is answered");
      try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
        b.call("presence.update", new JsonObject().put("status", "away"));
        JsonObject away = a.await(f -> BridgeClient.isEvent("user." + alice.id(), "presence").test(f)
          && "away".equals(f.getJsonObject("body").getString("status")), BridgeClient.WAIT).getJsonObject("body");
        assertTrue(away.getBoolean("online"));
      }
      assertNull(s.poll(f -> "rec".equals(f.getString("type")), Duration.ofSeconds(1)), "the stranger hears nothing");
      // and cannot ask
      RestClient.Response r = rest.get("/api/presence?userIds=" + bob.id() + "," + alice.id(), stranger.token());
      assertEquals(200, r.status());
      assertEquals(new JsonObject(), r.json());
      assertEquals(400, rest.get("/api/presence?userIds=nope", stranger.token()).status());
      assertEquals(400, rest.get("/api/presence", stranger.token()).status());
      JsonObject invalid = a.request("presence.update", new JsonObject().put("status", "invisible"));
      assertEquals(400, invalid.getInteger("failureCode"));
    }
  }

  @Test
  void typingShowsAndClearsAfterSixSecondsOfSilence() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      b.registerInEffect(address);
      BridgeDeliveryTest.sleep(200);
      a.call("chat.typing", new JsonObject().put("conversationId", id).put("typing", true));
      Instant started = Instant.now();
      JsonObject typing = b.event(address, "typing");
      assertEquals(alice.id(), typing.getString("userId"));
      assertTrue(typing.getBoolean("typing"));
      JsonObject cleared = b.await(BridgeClient.isEvent(address, "typing"), Duration.ofSeconds(10)).getJsonObject("body");
      assertFalse(cleared.getBoolean("typing"));
      long after = Duration.between(started, Instant.now()).toMillis();
      assertTrue(after >= 5_500 && after < 8_000, "cleared after about 6 s: " + after);

      // sending clears it at once
      a.call("chat.typing", new JsonObject().put("conversationId", id).put("typing", true));
      assertTrue(b.event(address, "typing").getBoolean("typing"));
      a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "done").put("clientMessageId", "t-1"));
      assertFalse(b.event(address, "typing").getBoolean("typing"));
    }
  }

  @Test
  void typingClearsOnDisconnectAndOnlyParticipantsMayType() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User mallory = rest.register("mallory");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token());
         BridgeClient m = BridgeClient.connect(thrume, mallory.token())) {
      b.registerInEffect(address);
      BridgeDeliveryTest.sleep(200);
      BridgeClient a = BridgeClient.connect(thrume, alice.token());
      a.call("chat.typing", new JsonObject().put("conversationId", id).put("typing", true));
      assertTrue(b.event(address, "typing").getBoolean("typing"));
      Instant closed = Instant.now();
      a.close();
      assertFalse(b.event(address, "typing").getBoolean("typing"));
      assertTrue(Duration.between(closed, Instant.now()).toMillis() < 3_000, "at once, not after the timeout");

      JsonObject refused = m.request("chat.typing", new JsonObject().put("conversationId", id).put("typing", true));
      assertEquals(403, refused.getInteger("failureCode"));
      assertNull(b.poll(BridgeClient.isEvent(address, "typing"), Duration.ofMillis(500)));
      JsonObject badFlag = b.request("chat.typing", new JsonObject().put("conversationId", id).put("typing", "yes"));
      assertEquals(400, badFlag.getInteger("failureCode"));
    }
  }
}

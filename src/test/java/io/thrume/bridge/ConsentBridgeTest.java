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
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consent on the bridge (docs/bridge-protocol.md, "Consent"): an invited user's views, typing and
 * receipts reveal nothing until they accept; a removed or leaving user's sockets stop receiving
 * the conversation at once and are refused from then on; leaving and blocking end presence watches.
 */
@ExtendWith(SharedThrume.class)
class ConsentBridgeTest {
  static final Duration QUIET = Duration.ofMillis(800);
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  static JsonObject body(String conversationId, Object... pairs) {
    JsonObject body = new JsonObject().put("conversationId", conversationId);
    for (int i = 0; i < pairs.length; i += 2) {
      body.put((String) pairs[i], pairs[i + 1]);
    }
    return body;
  }

  static Predicate<JsonObject> presenceOf(User watcher, User watched) {
    return f -> BridgeClient.isEvent("user." + watcher.id(), "presence").test(f)
      && watched.id().equals(f.getJsonObject("body").getString("userId"));
  }

  static Predicate<JsonObject> about(String address, String type, User user) {
    return f -> BridgeClient.isEvent(address, type).test(f) && user.id().equals(f.getJsonObject("body").getString("userId"));
  }

  static Predicate<JsonObject> leftBy(String address, User user) {
    return f -> about(address, "user.left", user).test(f)
      || (BridgeClient.isEvent(address, "viewers").test(f) && f.getJsonObject("body").getJsonArray("left").contains(user.id()));
  }

  /** A request answered after the socket's registers: frames take effect in order, so they are in effect now. */
  static void inEffect(BridgeClient socket) {
    socket.call("chat.sync", new JsonObject().put("positions", new JsonObject()));
  }

  static Set<String> watch(BridgeClient socket, User... users) {
    JsonArray ids = new JsonArray();
    for (User u : users) {
      ids.add(u.id());
    }
    return socket.call("presence.watch", new JsonObject().put("userIds", ids)).fieldNames();
  }

  @Test
  void aRemovedUserStopsReceivingAtOnceAndIsRefusedFromThenOn() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    String id = rest.acceptedConversation(alice, bob, carol);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token());
         BridgeClient b2 = BridgeClient.connect(thrume, bob.token());
         BridgeClient c = BridgeClient.connect(thrume, carol.token())) {
      for (BridgeClient s : new BridgeClient[]{a, b, b2, c}) {
        s.register(address);
      }
      a.register("user." + alice.id());
      b.register("user." + bob.id());
      b2.register("user." + bob.id());
      for (BridgeClient s : new BridgeClient[]{a, b, b2, c}) {
        inEffect(s);
      }
      b.view(id, true);
      a.await(BridgeClient.joined(address, bob.id()), BridgeClient.WAIT);
      b.call("chat.typing", body(id, "typing", true));
      assertTrue(a.await(about(address, "typing", bob), BridgeClient.WAIT).getJsonObject("body").getBoolean("typing"));
      assertEquals(Set.of(bob.id()), watch(a, bob));
      assertEquals(Set.of(alice.id()), watch(b, alice));

      // the creator removes bob; a message sent right after never reaches his sockets
      assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/" + bob.id(), alice.token()).status());
      assertEquals(201, rest.sendMessage(alice, id, "after bob", "rm-1").status());
      for (BridgeClient s : new BridgeClient[]{b, b2}) {
        JsonObject removed = s.event("user." + bob.id(), "conversation.removed");
        assertEquals(id, removed.getString("conversationId"));
      }
      JsonObject participants = c.event(address, "participants");
      assertEquals(new JsonArray(), participants.getJsonArray("added"));
      assertEquals(new JsonArray().add(bob.id()), participants.getJsonArray("removed"));
      assertEquals(alice.id(), participants.getString("by"));
      assertEquals("after bob", c.event(address, "message").getJsonObject("message").getString("content"));
      // his view and his typing end for the others
      a.await(leftBy(address, bob), BridgeClient.WAIT);
      assertFalse(a.await(about(address, "typing", bob), BridgeClient.WAIT).getJsonObject("body").getBoolean("typing"));
      assertNull(b.poll(BridgeClient.isEvent(address, "message"), QUIET), "a removed socket receives nothing of the conversation");
      assertNull(b2.poll(BridgeClient.isEvent(address, "message"), Duration.ofMillis(100)));

      // and he may do nothing there any more
      b.register(address);
      JsonObject refused = b.await(f -> "err".equals(f.getString("type")) && address.equals(f.getString("address")), BridgeClient.WAIT);
      assertEquals(403, refused.getInteger("failureCode"));
      assertEquals(403, b.request("chat.view", body(id, "viewing", true)).getInteger("failureCode"));
      assertEquals(403, b.request("chat.typing", body(id, "typing", true)).getInteger("failureCode"));
      assertEquals(403, b.request("chat.send", body(id, "content", "hello?", "clientMessageId", "rm-2")).getInteger("failureCode"));
      assertEquals(403, b.request("chat.read", body(id, "seq", 1)).getInteger("failureCode"));
      assertEquals(new JsonObject(), b.call("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, 0)))
        .getJsonObject("conversations"));
      rest.sendMessage(carol, id, "still nothing for bob", "rm-3");
      assertNull(b.poll(BridgeClient.isEvent(address, "message"), QUIET));

      // nobody shares a conversation any more: the watches both ways ended
      b.call("presence.update", new JsonObject().put("status", "away"));
      a.call("presence.update", new JsonObject().put("status", "away"));
      assertNull(a.poll(presenceOf(alice, bob), QUIET), "alice no longer hears bob's presence");
      assertNull(b.poll(presenceOf(bob, alice), Duration.ofMillis(100)), "bob no longer hears alice's presence");
      assertEquals(Set.of(), watch(a, bob));
    }
  }

  @Test
  void leavingIsARemovalLikeAnyOther() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.register(address);
      b.register(address);
      b.register("user." + bob.id());
      inEffect(a);
      inEffect(b);
      assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/me", bob.token()).status());
      assertEquals(id, b.event("user." + bob.id(), "conversation.removed").getString("conversationId"));
      JsonObject participants = a.event(address, "participants");
      assertEquals(new JsonArray().add(bob.id()), participants.getJsonArray("removed"));
      assertEquals(bob.id(), participants.getString("by"));
      rest.sendMessage(alice, id, "gone?", "lv-1");
      a.event(address, "message");
      assertNull(b.poll(BridgeClient.isEvent(address, "message"), QUIET));
      b.register(address);
      assertEquals(403, b.await(f -> "err".equals(f.getString("type")), BridgeClient.WAIT).getInteger("failureCode"));
    }
  }

  @Test
  void anInvitedUserRevealsNothingUntilAccepting() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    assertEquals(201, rest.sendMessage(alice, id, "hello stranger", "inv-1").status());
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.register(address);
      a.register("user." + alice.id());
      a.view(id, true);
      // bob may register, sync and view; viewing only tells him who is here
      b.register(address);
      b.register("user." + bob.id());
      assertEquals(1, b.call("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, 0)))
        .getJsonObject("conversations").getJsonObject(id).getJsonArray("messages").size());
      assertEquals(new JsonObject(), b.call("chat.view", body(id, "viewing", true)));
      b.await(BridgeClient.joined(address, alice.id()), BridgeClient.WAIT);
      assertEquals(new JsonObject(), b.call("chat.typing", body(id, "typing", true)), "an invited user's typing is silent");
      b.call("chat.delivered", body(id, "seq", 1));
      b.call("chat.read", body(id, "seq", 1));
      assertNull(a.poll(f -> BridgeClient.joined(address, bob.id()).test(f) || about(address, "typing", bob).test(f)
        || about(address, "delivered", bob).test(f) || about(address, "read", bob).test(f), QUIET),
        "nothing about bob reaches alice while he is invited");
      assertEquals(Set.of(), watch(a, bob), "nor his presence");
      assertEquals(Set.of(alice.id()), watch(b, alice), "he may see hers: she chose to be there");
      // he still hears the conversation
      rest.sendMessage(alice, id, "are you there?", "inv-2");
      assertEquals("are you there?", b.event(address, "message").getJsonObject("message").getString("content"));

      // accepting: alice is told, with the marker bob moved meanwhile; from now on he is seen
      assertEquals("accepted", rest.accept(bob, id).json().getString("myStatus"));
      assertEquals(bob.id(), a.event(address, "participant.accepted").getString("userId"));
      assertEquals(1, a.await(about(address, "read", bob), BridgeClient.WAIT).getJsonObject("body").getLong("seq"));
      assertEquals(Set.of(bob.id()), watch(a, bob));
      b.view(id, true);
      a.await(BridgeClient.joined(address, bob.id()), BridgeClient.WAIT);
      b.call("chat.typing", body(id, "typing", true));
      assertTrue(a.await(about(address, "typing", bob), BridgeClient.WAIT).getJsonObject("body").getBoolean("typing"));
    }
  }

  @Test
  void sendingOverTheBridgeAccepts() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.register(address);
      inEffect(a);
      JsonObject sent = b.call("chat.send", body(id, "content", "hi alice", "clientMessageId", "acc-1"));
      assertEquals(1, sent.getLong("seq"));
      assertEquals(bob.id(), a.event(address, "participant.accepted").getString("userId"));
      assertEquals("hi alice", a.event(address, "message").getJsonObject("message").getString("content"));
      assertEquals("accepted", rest.get("/api/conversations/" + id, bob.token()).json().getString("myStatus"));
      b.call("chat.send", body(id, "content", "again", "clientMessageId", "acc-2"));
      a.event(address, "message");
      assertNull(a.poll(BridgeClient.isEvent(address, "participant.accepted"), Duration.ofMillis(300)), "accepted once");
    }
  }

  @Test
  void aBlockedUserLosesTheBlockersPresenceAtOnceAndCannotWriteToThem() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      b.register("user." + bob.id());
      assertEquals(Set.of(alice.id()), watch(b, alice));
      a.call("presence.update", new JsonObject().put("status", "away"));
      b.await(presenceOf(bob, alice), BridgeClient.WAIT);

      assertEquals(204, rest.put("/api/blocks/" + bob.id(), alice.token()).status());
      a.call("presence.update", new JsonObject().put("status", "online"));
      assertNull(b.poll(presenceOf(bob, alice), QUIET), "the watch of the blocker ended");
      assertEquals(Set.of(), watch(b, alice));
      JsonObject refused = b.request("chat.send", body(id, "content", "please", "clientMessageId", "blk-1"));
      assertEquals(403, refused.getInteger("failureCode"));
      assertTrue(refused.getString("message").startsWith("FORBIDDEN"), refused.encode());
    }
  }
}

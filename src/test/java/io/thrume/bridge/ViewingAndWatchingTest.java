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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/bridge-protocol.md, "Who is here" and "Presence": registering a
 * conversation only subscribes; chat.view drives who is here, coalesced per conversation; a
 * socket receives the presence changes of the users it watches, and only those.
 */
@ExtendWith(SharedThrume.class)
class ViewingAndWatchingTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  static boolean joinedOrViewers(JsonObject frame, String address) {
    return BridgeClient.isEvent(address, "user.joined").test(frame) || BridgeClient.isEvent(address, "viewers").test(frame);
  }

  @Test
  void registeringOnlySubscribesAndViewsSayWhoIsHere() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.registerInEffect(address);
      b.registerInEffect(address);
      assertNull(a.poll(f -> joinedOrViewers(f, address), Duration.ofMillis(700)), "registering is not viewing");

      a.view(id, true);
      b.view(id, true);
      a.await(f -> BridgeClient.joined(address, bob.id()).test(f), BridgeClient.WAIT);
      b.await(f -> BridgeClient.joined(address, alice.id()).test(f), BridgeClient.WAIT);

      b.view(id, false);
      JsonObject left = a.event(address, "user.left");
      assertEquals(bob.id(), left.getString("userId"));
      b.view(id, true);
      a.await(f -> BridgeClient.joined(address, bob.id()).test(f), BridgeClient.WAIT);
    }
  }

  @Test
  void aSocketsViewsEndWhenItCloses() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      a.registerInEffect(address);
      BridgeClient b = BridgeClient.connect(thrume, bob.token());
      b.view(id, true);
      a.await(f -> BridgeClient.isEvent(address, "user.joined").test(f), BridgeClient.WAIT);
      b.close();
      assertEquals(bob.id(), a.event(address, "user.left").getString("userId"));
    }
  }

  @Test
  void manyViewsAtOnceAreAnnouncedTogetherAndAViewAndUnviewCancelOut() {
    User watcher = rest.register("watcher");
    List<User> crowd = IntStream.range(0, 8).mapToObj(i -> rest.register("crowd")).toList();
    String id = rest.acceptedConversation(watcher, crowd.toArray(User[]::new));
    String address = "conversation." + id;
    List<BridgeClient> sockets = new ArrayList<>();
    try (BridgeClient w = BridgeClient.connect(thrume, watcher.token())) {
      w.registerInEffect(address);
      for (User u : crowd) {
        sockets.add(BridgeClient.connect(thrume, u.token()));
      }
      sockets.forEach(s -> s.view(id, true));
      w.awaitViewers(address, crowd.stream().map(User::id).toList(), BridgeClient.WAIT);
      int frames = (int) w.received.stream().filter(f -> joinedOrViewers(f, address)).count();
      assertTrue(frames <= 3, "8 views in a burst come in a few frames, not 8: " + frames);

      // within one window, a view and an unview of the same socket are no change at all
      BridgeClient first = sockets.get(0);
      first.view(id, false);
      first.view(id, true);
      first.view(id, false);
      first.view(id, true);
      assertNull(w.poll(f -> BridgeClient.isEvent(address, "user.left").test(f)
        || joinedOrViewers(f, address), Duration.ofMillis(800)), "nothing changed: nothing announced");
    } finally {
      sockets.forEach(BridgeClient::close);
    }
  }

  @Test
  void viewingNeedsParticipationAndWellFormedFrames() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User mallory = rest.register("mallory");
    String id = rest.conversation(alice, bob);
    try (BridgeClient m = BridgeClient.connect(thrume, mallory.token());
         BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      a.register("conversation." + id);
      JsonObject refused = m.request("chat.view", new JsonObject().put("conversationId", id).put("viewing", true));
      assertEquals(403, refused.getInteger("failureCode"));
      assertNull(a.poll(f -> joinedOrViewers(f, "conversation." + id), Duration.ofMillis(600)), "mallory is not announced");
      assertEquals(400, a.request("chat.view", new JsonObject().put("conversationId", "nope").put("viewing", true))
        .getInteger("failureCode"));
      assertEquals(400, a.request("chat.view", new JsonObject().put("conversationId", id).put("viewing", "yes"))
        .getInteger("failureCode"));
      assertEquals(400, a.request("chat.view", new JsonObject().put("viewing", true)).getInteger("failureCode"));
    }
  }

  @Test
  void aSocketHearsThePresenceOfWhomItWatchesOnly() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    rest.acceptedConversation(alice, bob, carol);
    String inbox = "user." + alice.id();
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      a.register(inbox);
      JsonObject answer = a.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(bob.id())));
      assertEquals(Set.of(bob.id()), answer.fieldNames());
      try (BridgeClient c = BridgeClient.connect(thrume, carol.token());
           BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
        JsonObject online = a.await(BridgeClient.isEvent(inbox, "presence"), BridgeClient.WAIT).getJsonObject("body");
        assertEquals(bob.id(), online.getString("userId"), "carol is not watched");
        assertTrue(online.getBoolean("online"));
        assertEquals("online", online.getString("status"));

        // the watch is replaced, not added to
        JsonObject now = a.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(carol.id())));
        assertTrue(now.getJsonObject(carol.id()).getBoolean("online"), "the answer is the current state");
        b.call("presence.update", new JsonObject().put("status", "away"));
        c.call("presence.update", new JsonObject().put("status", "away"));
        JsonObject away = a.await(BridgeClient.isEvent(inbox, "presence"), BridgeClient.WAIT).getJsonObject("body");
        assertEquals(carol.id(), away.getString("userId"));
        assertEquals("away", away.getString("status"));
        assertNull(a.poll(BridgeClient.isEvent(inbox, "presence"), Duration.ofMillis(500)), "bob is not watched any more");
      }
    }
  }

  @Test
  void watchesAreBoundedAndChecked() {
    User alice = rest.register("alice");
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      JsonArray tooMany = new JsonArray();
      IntStream.range(0, 501).forEach(i -> tooMany.add(UUID.randomUUID().toString()));
      assertEquals(400, a.request("presence.watch", new JsonObject().put("userIds", tooMany)).getInteger("failureCode"));
      assertEquals(400, a.request("presence.watch", new JsonObject().put("userIds", new JsonArray().add("nope")))
        .getInteger("failureCode"));
      assertEquals(400, a.request("presence.watch", new JsonObject().put("userIds", "x")).getInteger("failureCode"));
      assertEquals(new JsonObject(), a.call("presence.watch", new JsonObject().put("userIds", new JsonArray())));
    }
  }
}

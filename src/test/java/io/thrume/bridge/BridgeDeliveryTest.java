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

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Live delivery over the bridge: both ways, replies with seq, every device of the sender in step. */
@ExtendWith(SharedThrume.class)
class BridgeDeliveryTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  @Test
  void twoUsersChatLiveBothWays() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      a.registerInEffect(address);
      // registering subscribes; viewing is what says who is here
      a.view(id, true);
      a.await(f -> BridgeClient.joined(address, alice.id()).test(f), BridgeClient.WAIT);
      b.registerInEffect(address);
      b.view(id, true);
      a.await(f -> BridgeClient.joined(address, bob.id()).test(f), BridgeClient.WAIT);
      // and the newcomer learns who was there before
      b.await(f -> BridgeClient.joined(address, alice.id()).test(f), BridgeClient.WAIT);

      JsonObject sent = a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "hi bob")
        .put("clientMessageId", "live-1"));
      assertEquals(1, sent.getLong("seq"));
      assertEquals(alice.id(), sent.getString("senderId"));
      JsonObject atBob = b.event(address, "message").getJsonObject("message");
      assertEquals(sent, atBob);
      assertEquals(sent, a.event(address, "message").getJsonObject("message"), "the sender's own socket gets it too");

      JsonObject back = b.call("chat.send", new JsonObject().put("conversationId", id).put("content", "hi alice")
        .put("clientMessageId", "live-2"));
      assertEquals(2, back.getLong("seq"));
      assertEquals(back, a.event(address, "message").getJsonObject("message"));
      assertEquals(back, b.event(address, "message").getJsonObject("message"), "bob's own echo");

      // REST sends reach the bridge too: one send path
      JsonObject viaRest = rest.sendMessage(alice, id, "from REST", "live-3").json();
      assertEquals(viaRest, b.event(address, "message").getJsonObject("message"));
      assertEquals(3, viaRest.getLong("seq"));

      // a repeated clientMessageId answers the stored message; its event, published again (its first
      // publish may have been lost with a node), reaches no socket that had it: the node drops it by seq
      JsonObject again = a.call("chat.send", new JsonObject().put("conversationId", id).put("content", "hi bob")
        .put("clientMessageId", "live-1"));
      assertEquals(sent, again);
      assertNull(b.poll(BridgeClient.isEvent(address, "message"), Duration.ofMillis(500)));
    }
  }

  @Test
  void everyDeviceOfTheSenderStaysInStep() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String address = "conversation." + id;
    try (BridgeClient phone = BridgeClient.connect(thrume, alice.token());
         BridgeClient laptop = BridgeClient.connect(thrume, alice.token())) {
      phone.registerInEffect(address);
      laptop.registerInEffect(address);
      phone.ping();
      laptop.ping();
      sleep(300);
      JsonObject sent = phone.call("chat.send", new JsonObject().put("conversationId", id).put("content", "from my phone")
        .put("clientMessageId", "dev-1"));
      assertEquals(sent, laptop.event(address, "message").getJsonObject("message"));
    }
  }

  @Test
  void userAddressCarriesConversationCreatedAndUnread() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token());
         BridgeClient b2 = BridgeClient.connect(thrume, bob.token())) {
      b.register("user." + bob.id());
      b2.register("user." + bob.id());
      sleep(300);
      String id = rest.conversation(alice, bob);
      JsonObject created = b.event("user." + bob.id(), "conversation.created");
      assertEquals(id, created.getJsonObject("conversation").getString("id"));
      rest.sendMessage(alice, id, "one", "u-1");
      rest.sendMessage(alice, id, "two", "u-2");
      JsonObject read = b.call("chat.read", new JsonObject().put("conversationId", id).put("seq", 1));
      assertEquals(1, read.getLong("unreadCount"));
      JsonObject unread = b2.event("user." + bob.id(), "unread");
      assertEquals(id, unread.getString("conversationId"));
      assertEquals(1, unread.getLong("unreadCount"));
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void framesTakeEffectInTheOrderSent() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User mallory = rest.register("mallory");
    String theirs = rest.conversation(alice, bob);
    try (BridgeClient m = BridgeClient.connect(thrume, mallory.token())) {
      // the register needs a database query, the watch of nobody none: answered in the order sent all the same
      m.register("conversation." + theirs);
      m.request("presence.watch", new JsonObject().put("userIds", new JsonArray()));
      List<String> order = m.received.stream().map(f -> f.getString("type") + " " + f.getString("address")).toList();
      assertEquals("err conversation." + theirs, order.get(0), "the register's refusal comes first: " + order);
    }
  }

  /**
   * A register takes effect once the node knows where the conversation stood when it began
   * delivering it (NodeFanout.subscribe): a message sent after the register is then past the
   * sequencer's start and arrives in order. Here that answer is held back: the conversation table
   * is locked, the membership check (on participant) is not, so the register is authorized at once
   * and only its start waits; the request sent after it must wait too.
   */
  @Test
  void aRegisterTakesEffectOnceTheNodeKnowsWhereTheConversationStands() throws Exception {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String conversation = rest.conversation(alice, bob);
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token());
         Connection c = thrume.jdbc();
         Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("LOCK TABLE conversation IN ACCESS EXCLUSIVE MODE");
      try {
        a.register("conversation." + conversation);
        String probe = "probe-" + conversation;
        a.sendFrame(new JsonObject().put("type", "send").put("address", "presence.watch")
          .put("body", new JsonObject().put("userIds", new JsonArray())).put("replyAddress", probe));
        assertNull(a.poll(f -> probe.equals(f.getString("address")), Duration.ofMillis(1_500)),
          "the request after the register was answered while where the conversation stands was unknown");
        c.rollback();
        assertNotNull(a.poll(f -> probe.equals(f.getString("address")), BridgeClient.WAIT),
          "the request after the register is answered once the node knows where the conversation stands");
      } finally {
        c.rollback();
      }
      // and the register is in effect: a message sent now reaches the socket
      JsonObject sent = rest.sendMessage(alice, conversation, "after the start", "start-1").json();
      assertEquals(sent, a.event("conversation." + conversation, "message").getJsonObject("message"));
    }
  }
}

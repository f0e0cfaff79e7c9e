package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who gets in and what they may do: tickets, registrations, sends, identities, broken frames. */
@ExtendWith(SharedThrume.class)
class BridgePolicyTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  @Test
  void aSocketWithoutAValidTicketNeverGetsIn() {
    // raw WebSocket: 401 before the upgrade
    for (String uri : new String[]{"/eventbus/websocket", "/eventbus/websocket?ticket=", "/eventbus/websocket?ticket=forged"}) {
      Throwable refused = assertThrows(IllegalStateException.class,
        () -> TestThrume.await(BridgeClient.open(thrume, uri, null), 10), uri);
      assertTrue(refused.getMessage().contains("401"), refused.getMessage());
    }
    // a ticket is single use
    User alice = rest.register("alice");
    String ticket = rest.post("/api/realtime/ticket", alice.token(), null).json().getString("ticket");
    BridgeClient.connectWithTicket(thrume, ticket).close();
    Throwable reused = assertThrows(IllegalStateException.class, () -> BridgeClient.connectWithTicket(thrume, ticket));
    assertTrue(reused.getMessage().contains("401"));
    // tickets are only for the authenticated
    assertEquals(401, rest.post("/api/realtime/ticket", null, null).status());
    RestClient.Response issued = rest.post("/api/realtime/ticket", alice.token(), null);
    assertEquals(200, issued.status());
    assertTrue(issued.json().getInteger("expiresInSeconds") <= 30);
  }

  @Test
  void aBrowserFromAnotherOriginIsRefused() {
    Throwable refused = assertThrows(IllegalStateException.class,
      () -> TestThrume.await(BridgeClient.open(thrume, "/eventbus/websocket?ticket=x", "https://evil.example.test"), 10));
    assertTrue(refused.getMessage().contains("403"), refused.getMessage());
  }

  @Test
  void registeringWhatIsNotYoursIsRefused() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User mallory = rest.register("mallory");
    String id = rest.conversation(alice, bob);
    try (BridgeClient m = BridgeClient.connect(thrume, mallory.token())) {
      for (String address : new String[]{"conversation." + id, "user." + alice.id(), "conversation." + UUID.randomUUID(),
        "conversation.not-a-uuid", "chat.send", "thrume.store.message.insert", "anything"}) {
        m.register(address);
        JsonObject err = m.await(f -> "err".equals(f.getString("type")) && address.equals(f.getString("address")), BridgeClient.WAIT);
        assertEquals(403, err.getInteger("failureCode"), address);
        assertEquals("RECIPIENT_FAILURE", err.getString("failureType"));
        assertTrue(err.getString("message").startsWith("FORBIDDEN: "), err.getString("message"));
      }
      // nothing of alice and bob's conversation reaches mallory
      rest.sendMessage(alice, id, "private", "priv-1");
      assertNull(m.poll(f -> "rec".equals(f.getString("type")), Duration.ofMillis(500)));
    }
  }

  @Test
  void onlyTheContractsAddressesTakeSends() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      for (String address : new String[]{"thrume.store.message.insert", "thrume.account.register", "conversation." + id,
        "user." + bob.id(), "thrume.presence.connected"}) {
        JsonObject err = a.request(address, new JsonObject().put("conversationId", id).put("senderId", bob.id())
          .put("content", "x").put("clientMessageId", "y"));
        assertEquals("err", err.getString("type"), address);
        assertEquals(403, err.getInteger("failureCode"), address);
      }
      // a chat.send into someone else's conversation
      String other = rest.conversation(bob, rest.register("carol"));
      JsonObject err = a.request("chat.send", new JsonObject().put("conversationId", other).put("content", "let me in")
        .put("clientMessageId", "in-1"));
      assertEquals(403, err.getInteger("failureCode"));
      assertEquals(0, thrume.count("SELECT count(*) FROM message WHERE conversation_id = '" + other + "'"));
    }
  }

  @Test
  void aSpoofedSenderInBodyOrHeadersIsIgnored() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      JsonObject reply = a.request("chat.send", new JsonObject().put("conversationId", id).put("content", "who am I")
          .put("clientMessageId", "spoof-1").put("senderId", bob.id()).put("userId", bob.id()),
        new JsonObject().put("thrume-user", bob.id()).put("userId", bob.id()));
      assertEquals("rec", reply.getString("type"), reply.encode());
      assertEquals(alice.id(), reply.getJsonObject("body").getString("senderId"));
      assertEquals(alice.id(), thrume.string("SELECT sender_id FROM message WHERE client_message_id = 'spoof-1'"));
    }
  }

  @Test
  void brokenFramesGetErrorsAndTheServerKeepsServingOthers() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    try (BridgeClient bad = BridgeClient.connect(thrume, alice.token());
         BridgeClient good = BridgeClient.connect(thrume, bob.token())) {
      good.register("conversation." + id);
      for (String text : new String[]{"not json", "[1,2,3]", "{\"address\":\"chat.send\"}", "{\"type\":42}",
        "{\"type\":\"teleport\"}", "{\"type\":\"register\"}"}) {
        bad.sendText(text);
        JsonObject err = bad.await(f -> "err".equals(f.getString("type")), BridgeClient.WAIT);
        assertEquals(400, err.getInteger("failureCode"), text);
        assertTrue(err.getString("message").startsWith("INVALID: "), err.getString("message"));
        assertFalse(err.containsKey("address"), "other refusals carry no address");
      }
      // a send without a JSON object body, and with a bad body, answered on the reply address
      JsonObject invalid = bad.request("chat.send", new JsonObject().put("conversationId", id).put("content", "")
        .put("clientMessageId", "e-1"));
      assertEquals(400, invalid.getInteger("failureCode"));
      assertTrue(invalid.getString("message").contains("content"));
      // over 64 KiB: TOO_LARGE, then the socket is closed
      bad.sendText(new JsonObject().put("type", "send").put("address", "chat.send")
        .put("body", new JsonObject().put("content", "x".repeat(70_000))).encode());
      JsonObject tooLarge = bad.await(f -> "err".equals(f.getString("type")), BridgeClient.WAIT);
      assertEquals(413, tooLarge.getInteger("failureCode"));
      assertTrue(tooLarge.getString("message").startsWith("TOO_LARGE: "));
      assertTrue(bad.awaitClosed(BridgeClient.WAIT));
      // the others are served as before
      JsonObject sent = good.call("chat.send", new JsonObject().put("conversationId", id).put("content", "still here")
        .put("clientMessageId", "e-2"));
      assertEquals(sent, good.event("conversation." + id, "message").getJsonObject("message"));
    }
  }

  @Test
  void aSocketThatKeepsSendingGarbageIsClosed() {
    User alice = rest.register("alice");
    try (BridgeClient bad = BridgeClient.connect(thrume, alice.token())) {
      for (int i = 0; i < 10; i++) {
        bad.sendText("garbage " + i);
      }
      assertTrue(bad.awaitClosed(BridgeClient.WAIT));
    }
  }

  @Test
  void theSixthConnectionEvictsTheOldest() {
    User alice = rest.register("alice");
    BridgeClient[] sockets = new BridgeClient[6];
    try {
      for (int i = 0; i < 5; i++) {
        sockets[i] = BridgeClient.connect(thrume, alice.token());
        sockets[i].ping();
        BridgeDeliveryTest.sleep(100);
      }
      sockets[5] = BridgeClient.connect(thrume, alice.token());
      JsonObject err = sockets[0].await(f -> "err".equals(f.getString("type")), BridgeClient.WAIT);
      assertEquals(409, err.getInteger("failureCode"));
      assertTrue(err.getString("message").startsWith("CONNECTION_LIMIT: "), err.getString("message"));
      assertTrue(sockets[0].awaitClosed(BridgeClient.WAIT));
      BridgeDeliveryTest.sleep(300);
      for (int i = 1; i < 6; i++) {
        assertFalse(sockets[i].isClosed(), "socket " + i + " stays");
        sockets[i].register("user." + alice.id());
      }
      // the survivors work
      JsonObject presence = sockets[5].call("presence.update", new JsonObject().put("status", "away"));
      assertEquals(new JsonObject(), presence);
    } finally {
      for (BridgeClient s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
  }
}

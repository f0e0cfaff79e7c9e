package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-user limits on the work a user makes the server do (docs/security.md, "Limits"), with
 * the shipped defaults: presence changes, refused registers (which cost two), tickets, conversation
 * creation and account search; and a socket that keeps sending after it was told to wait is closed.
 */
@ExtendWith(SharedThrume.class)
class ActionLimitsTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  @Test
  void presenceChangesAreLimitedAndAnswerWhenToComeBack() {
    User alice = rest.register("flipper");
    User bob = rest.register("flipwatch");
    rest.conversation(alice, bob);
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      int answered = 0;
      JsonObject refused = null;
      for (int i = 0; i < 40 && refused == null; i++) {
        JsonObject reply = a.request("presence.update", new JsonObject().put("status", i % 2 == 0 ? "away" : "online"));
        if ("rec".equals(reply.getString("type"))) {
          answered++;
        } else {
          refused = reply;
        }
      }
      assertNotNull(refused, "40 presence changes in a row were all accepted");
      assertTrue(answered >= 20 && answered <= 22, "burst of 20 (and what refilled meanwhile): " + answered);
      assertEquals(429, refused.getInteger("failureCode"), refused.encode());
      assertTrue(refused.getString("message").matches("RATE_LIMITED: retry after \\d+ s"), refused.encode());
      // a client that waits as told is served again, and not closed
      long seconds = Long.parseLong(refused.getString("message").replaceAll("\\D", ""));
      BridgeDeliveryTest.sleep(seconds * 1000 + 100);
      assertEquals("rec", a.request("presence.update", new JsonObject().put("status", "online")).getString("type"));
      assertFalse(a.isClosed());
    }
  }

  @Test
  void aSocketThatKeepsSendingAfterRetryAfterIsClosed() {
    User alice = rest.register("flooder");
    try (BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      JsonObject refused = null;
      for (int i = 0; i < 40 && refused == null; i++) {
        JsonObject reply = a.request("presence.update", new JsonObject().put("status", i % 2 == 0 ? "away" : "online"));
        refused = "err".equals(reply.getString("type")) ? reply : null;
      }
      assertNotNull(refused);
      // without waiting: refused by the bridge itself, and the one past the allowance closes the
      // socket. No more than that is sent: frames left unread when the server closes make its TCP
      // stack reset the connection, and the client would see 1006 instead of the close frame
      for (int i = 0; i <= BridgeNode.MAX_IGNORED_LIMITS && !a.isClosed(); i++) {
        try {
          a.sendText("{\"type\":\"send\",\"address\":\"presence.update\",\"body\":{\"status\":\"away\"}}");
        } catch (IllegalStateException closedMeanwhile) {
          break; // the server closed the connection while we wrote: what this test waits for
        }
      }
      assertTrue(a.awaitClosed(Duration.ofSeconds(5)), "still open after ignoring retry-after " + (BridgeNode.MAX_IGNORED_LIMITS + 1) + " times");
      assertEquals((short) 1008, a.closeStatus());
    }
  }

  @Test
  void refusedRegistersCostTwoAndAreLimited() {
    User prober = rest.register("prober");
    try (BridgeClient p = BridgeClient.connect(thrume, prober.token())) {
      int forbidden = 0;
      JsonObject limited = null;
      for (int i = 0; i < 600 && limited == null; i++) {
        String address = "conversation." + UUID.randomUUID();
        p.register(address);
        JsonObject err = p.await(f -> address.equals(f.getString("address")), BridgeClient.WAIT);
        assertEquals("err", err.getString("type"), err.encode());
        if (err.getInteger("failureCode") == 429) {
          limited = err;
        } else {
          assertEquals(403, err.getInteger("failureCode"), err.encode());
          forbidden++;
        }
      }
      assertNotNull(limited, "600 refused registers, none limited");
      // the bucket holds 500 and a refusal takes 2: about 250, plus what refilled (20/s) meanwhile
      assertTrue(forbidden >= 240 && forbidden < 400, "refused before the limit: " + forbidden);
    }
  }

  @Test
  void ticketsAreLimited() {
    User u = rest.register("tickets");
    int issued = untilLimited(() -> rest.post("/api/realtime/ticket", u.token(), null), 200, 40);
    assertTrue(issued >= 20 && issued <= 22, "tickets before the limit: " + issued);
  }

  @Test
  void conversationCreationIsLimitedAndARefusedOneCreatesNothing() {
    User u = rest.register("creator");
    User other = rest.register("invitee");
    int created = untilLimited(() -> rest.post("/api/conversations", u.token(),
      new JsonObject().put("participantIds", new JsonArray().add(other.id()))), 201, 40);
    assertTrue(created >= 20 && created <= 22, "conversations before the limit: " + created);
    JsonArray mine = rest.get("/api/conversations", u.token()).array();
    assertEquals(created, mine.size(), "a refused creation created something");
  }

  @Test
  void accountSearchIsLimited() {
    User u = rest.register("searcher");
    int answered = untilLimited(() -> rest.get("/api/accounts?search=flip", u.token()), 200, 60);
    assertTrue(answered >= 30 && answered <= 33, "searches before the limit: " + answered);
  }

  /** Calls until a 429 (with Retry-After and a "retry after" detail); answers how many got {@code ok}. */
  static int untilLimited(Supplier<Response> call, int ok, int max) {
    int served = 0;
    for (int i = 0; i < max; i++) {
      Response r = call.get();
      if (r.status() == 429) {
        assertTrue(Long.parseLong(r.header("Retry-After")) >= 1, r.toString());
        assertTrue(r.json().getString("detail").startsWith("retry after"), r.toString());
        return served;
      }
      assertEquals(ok, r.status(), r.toString());
      served++;
    }
    throw new AssertionError(max + " calls, none limited");
  }
}

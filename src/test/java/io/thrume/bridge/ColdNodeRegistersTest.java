package io.thrume.bridge;

import io.thrume.bus.Addresses;
import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A node that does not know a user yet (a new node, or one the user's sockets just moved to)
 * checks the registers of the user's whole conversation list, invitations included, with one read
 * of the store, not one per conversation, started when it issues the user a ticket if it does
 * (chat.Membership); strangers and removals are checked as before.
 */
class ColdNodeRegistersTest {
  static final int CONVERSATIONS = 20;

  @Test
  void aNewNodeChecksAUsersTwentyRegistersWithOneReadAndStillRefusesWhatIsNotTheirs() throws InterruptedException {
    Path dataDir = TestThrume.tempDir();
    JsonObject roomy = new JsonObject().put("limits", new JsonObject()
      .put("createConversation", new JsonObject().put("burst", 100).put("perSecond", 10.0)));
    User alice;
    User bob;
    User carol;
    List<String> hers = new ArrayList<>();
    String invitedTo;
    String notHers;
    TestThrume first = TestThrume.start(roomy, dataDir);
    try {
      RestClient rest = first.client();
      alice = rest.register("cold-a");
      bob = rest.register("cold-b");
      carol = rest.register("cold-c");
      for (int i = 0; i < CONVERSATIONS; i++) {
        hers.add(rest.conversation(alice, bob));
      }
      invitedTo = rest.conversation(bob, alice);
      notHers = rest.conversation(bob, carol);
    } finally {
      first.close();
    }

    // the same database and secret, a new process: it has seen nobody
    TestThrume node = TestThrume.start(roomy, dataDir);
    Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
    Handler<DeliveryContext<Object>> counting = ctx -> {
      String address = ctx.message().address();
      if (address.equals(Addresses.STORE_MEMBERSHIP) || address.equals(Addresses.STORE_MEMBERSHIPS)) {
        asked.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
      }
      ctx.next();
    };
    node.vertx.eventBus().addOutboundInterceptor(counting);
    try (BridgeClient a = BridgeClient.connect(node, alice.token())) {
      for (String id : hers) {
        a.registerInEffect("conversation." + id);
      }
      assertEquals(1, count(asked, Addresses.STORE_MEMBERSHIPS), "one read of her accepted conversations: " + asked);
      assertEquals(0, count(asked, Addresses.STORE_MEMBERSHIP), "no read per conversation: " + asked);

      // an invitation was in that read too: taking part is all a register needs, so no other read
      a.registerInEffect("conversation." + invitedTo);
      assertEquals(0, count(asked, Addresses.STORE_MEMBERSHIP), String.valueOf(asked));
      // someone else's conversation is refused, as on a node that knew her
      a.register("conversation." + notHers);
      JsonObject err = a.await(f -> "err".equals(f.getString("type")) && ("conversation." + notHers).equals(f.getString("address")),
        BridgeClient.WAIT);
      assertEquals(403, err.getInteger("failureCode"), err.encode());
      assertEquals(1, count(asked, Addresses.STORE_MEMBERSHIPS), "read once: " + asked);

      // the registers are in effect: a message in the last of her conversations reaches her live
      RestClient rest = node.client();
      assertEquals(201, rest.sendMessage(bob, hers.get(CONVERSATIONS - 1), "hello again", "cold-1").status());
      JsonObject rec = a.await(f -> "rec".equals(f.getString("type"))
        && ("conversation." + hers.get(CONVERSATIONS - 1)).equals(f.getString("address")), BridgeClient.WAIT);
      assertNotNull(rec);

      // she leaves one: a new socket's register of it is refused, though it was read as hers
      assertEquals(204, rest.delete("/api/conversations/" + hers.get(0) + "/participants/me", alice.token()).status());
      try (BridgeClient again = BridgeClient.connect(node, alice.token())) {
        again.register("conversation." + hers.get(0));
        JsonObject refused = again.await(f -> "err".equals(f.getString("type"))
          && ("conversation." + hers.get(0)).equals(f.getString("address")), BridgeClient.WAIT);
        assertEquals(403, refused.getInteger("failureCode"), refused.encode());
        again.registerInEffect("conversation." + hers.get(1));
        rest.sendMessage(bob, hers.get(0), "after she left", "cold-2");
        assertNull(again.poll(f -> "rec".equals(f.getString("type"))
          && ("conversation." + hers.get(0)).equals(f.getString("address")), Duration.ofMillis(500)));
      }
      assertEquals(1, count(asked, Addresses.STORE_MEMBERSHIPS), String.valueOf(asked));
      // someone only invited, new to the node: the ticket the node issues her starts the read (her
      // socket is likely on its way), and that one read answers her first register
      int single = count(asked, Addresses.STORE_MEMBERSHIP);
      RestClient.Response ticket = rest.post("/api/realtime/ticket", carol.token(), null);
      assertEquals(200, ticket.status(), ticket.toString());
      long until = System.nanoTime() + BridgeClient.WAIT.toNanos();
      while (count(asked, Addresses.STORE_MEMBERSHIPS) < 2 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertEquals(2, count(asked, Addresses.STORE_MEMBERSHIPS), "read when her ticket was issued: " + asked);
      try (BridgeClient c = BridgeClient.connectWithTicket(node, ticket.json().getString("ticket"))) {
        c.registerInEffect("conversation." + notHers);
        assertEquals(2, count(asked, Addresses.STORE_MEMBERSHIPS), String.valueOf(asked));
        assertEquals(single, count(asked, Addresses.STORE_MEMBERSHIP), "no second read for the invited: " + asked);
        assertEquals(201, rest.sendMessage(bob, notHers, "for the invited", "cold-3").status());
        assertNotNull(c.await(f -> "rec".equals(f.getString("type")) && ("conversation." + notHers).equals(f.getString("address")),
          BridgeClient.WAIT));
      }
    } finally {
      node.vertx.eventBus().removeOutboundInterceptor(counting);
      node.close();
    }
  }

  private static int count(Map<String, AtomicInteger> asked, String address) {
    AtomicInteger n = asked.get(address);
    return n == null ? 0 : n.get();
  }
}

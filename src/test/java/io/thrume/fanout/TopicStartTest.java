package io.thrume.fanout;

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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Where a conversation's first subscriber on a node starts (NodeFanout, SeenSeqs): from the seq its
 * events showed the node lately, with no store read, or, for a conversation the node has not heard
 * of, from the store. Either way the next message reaches the socket live, in order, without a gap
 * to repair.
 */
class TopicStartTest {
  @Test
  void aConversationActiveLatelyStartsFromItsEventsAndOneNotHeardOfAsksTheStore() {
    Path dataDir = TestThrume.tempDir();
    User alice;
    User bob;
    String active;
    String quiet;
    TestThrume first = TestThrume.start(new JsonObject(), dataDir);
    try {
      RestClient rest = first.client();
      alice = rest.register("start-a");
      bob = rest.register("start-b");
      active = rest.acceptedConversation(alice, bob);
      quiet = rest.acceptedConversation(alice, bob);
      assertEquals(201, rest.sendMessage(bob, quiet, "before the restart", "start-0").status());
    } finally {
      first.close();
    }

    // a new process on the same database: it has heard of no conversation
    TestThrume node = TestThrume.start(new JsonObject(), dataDir);
    Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
    Handler<DeliveryContext<Object>> counting = ctx -> {
      String address = ctx.message().address();
      if (address.equals(Addresses.STORE_LAST_SEQS) || address.equals(Addresses.STORE_MESSAGE_RANGE)) {
        asked.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
      }
      ctx.next();
    };
    node.vertx.eventBus().addOutboundInterceptor(counting);
    try {
      RestClient rest = node.client();
      // messages in one conversation while no socket of this node is on it: the node sees their events
      for (int i = 1; i <= 3; i++) {
        assertEquals(201, rest.sendMessage(bob, active, "unheard " + i, "start-" + i).status());
      }
      try (BridgeClient a = BridgeClient.connect(node, alice.token())) {
        a.registerInEffect("conversation." + active);
        assertEquals(0, count(asked, Addresses.STORE_LAST_SEQS), "started from the events seen: " + asked);
        assertEquals(201, rest.sendMessage(bob, active, "heard", "start-4").status());
        assertEquals(4L, seqOf(a, active), "the next message, live");

        a.registerInEffect("conversation." + quiet);
        assertEquals(1, count(asked, Addresses.STORE_LAST_SEQS), "not heard of here: asked of the store: " + asked);
        assertEquals(201, rest.sendMessage(bob, quiet, "after the restart", "start-5").status());
        assertEquals(2L, seqOf(a, quiet), "the next message, live");
        assertEquals(0, count(asked, Addresses.STORE_MESSAGE_RANGE), "no gap to repair: " + asked);
      }
    } finally {
      node.vertx.eventBus().removeOutboundInterceptor(counting);
      node.close();
    }
  }

  private static long seqOf(BridgeClient client, String conversationId) {
    JsonObject rec = client.await(f -> "rec".equals(f.getString("type"))
      && ("conversation." + conversationId).equals(f.getString("address"))
      && "message".equals(f.getJsonObject("body").getString("type")), BridgeClient.WAIT);
    return rec.getJsonObject("body").getJsonObject("message").getLong("seq");
  }

  private static int count(Map<String, AtomicInteger> asked, String address) {
    AtomicInteger n = asked.get(address);
    return n == null ? 0 : n.get();
  }
}

package io.thrume.cluster;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three Thrume processes clustered on loopback, one shared PostgreSQL.
 *
 * <p>{@code -Dthrume.test.cpus=0} pins the nodes to that CPU list ({@code taskset}, as
 * {@link LiveDeliveryTest} does by default), where races between the nodes show; unset, they run
 * unpinned.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
  static final String CPUS = System.getProperty("thrume.test.cpus", "");
  static ThrumeCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new ThrumeCluster(3, new JsonObject()
      .put("auth", new JsonObject().put("attemptsBurst", 100_000).put("attemptsPerMinute", 100_000))
      .put("chat", new JsonObject().put("sendBurst", 30).put("sendPerSecond", 0.2)), ThrumeCluster.pinnedTo(CPUS));
    System.out.println("ClusterTest: " + (cluster.isPinned() ? "nodes pinned to CPUs " + CPUS : "nodes unpinned") + "; "
      + cluster.logs());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static JsonObject send(BridgeClient client, String conversationId, String content, String clientMessageId) {
    return client.call("chat.send", new JsonObject().put("conversationId", conversationId).put("content", content)
      .put("clientMessageId", clientMessageId));
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  @Order(1)
  void usersOnDifferentNodesChatAndEveryMessageArrivesOnceEverywhere() {
    RestClient rest = cluster.rest(0);
    User alice = rest.register("alice");
    User bob = cluster.rest(1).register("bob");
    User carol = cluster.rest(2).register("carol");
    String id = rest.acceptedConversation(alice, bob, carol);
    String address = "conversation." + id;
    List<BridgeClient> clients = List.of(cluster.connect(0, alice.token()), cluster.connect(1, bob.token()),
      cluster.connect(2, carol.token()));
    try {
      clients.forEach(c -> {
        c.register(address);
        c.view(id, true);
      });
      // everyone sees everyone arrive, whichever node they are on
      for (BridgeClient c : clients) {
        c.awaitViewers(address, List.of(alice.id(), bob.id(), carol.id()), BridgeClient.WAIT);
      }
      List<JsonObject> sent = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        for (int n = 0; n < 3; n++) {
          sent.add(send(clients.get(n), id, "from node " + n + " #" + i, "c-" + n + "-" + i));
        }
      }
      sleep(1000);
      for (BridgeClient c : clients) {
        Map<String, Integer> seen = new HashMap<>();
        c.receivedSoFar().stream().filter(BridgeClient.isEvent(address, "message"))
          .forEach(f -> seen.merge(f.getJsonObject("body").getJsonObject("message").getString("id"), 1, Integer::sum));
        for (JsonObject m : sent) {
          assertEquals(1, seen.getOrDefault(m.getString("id"), 0), "once on every node: " + m.getString("content"));
        }
        assertEquals(sent.size(), seen.size());
      }
      // typing and receipts cross nodes too
      clients.get(2).call("chat.typing", new JsonObject().put("conversationId", id).put("typing", true));
      assertTrue(clients.get(0).event(address, "typing").getBoolean("typing"));
      clients.get(1).call("chat.read", new JsonObject().put("conversationId", id).put("seq", sent.size()));
      assertEquals(sent.size(), clients.get(0).event(address, "read").getLong("seq"));
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }

  @Test
  @Order(2)
  void ticketsConnectionLimitsAndRateLimitsHoldAcrossTheCluster() {
    User alice = cluster.rest(0).register("alice");
    User bob = cluster.rest(0).register("bob");
    String id = cluster.rest(0).conversation(alice, bob);
    // a ticket issued on node 0 works on node 1, once
    String ticket = cluster.rest(0).post("/api/realtime/ticket", alice.token(), null).json().getString("ticket");
    BridgeClient.connectWithTicket(cluster.vertx, cluster.httpPorts[1], ticket).close();
    for (int node : new int[]{1, 2}) {
      String reused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> BridgeClient.connectWithTicket(cluster.vertx, cluster.httpPorts[node], ticket)).getMessage();
      assertTrue(reused.contains("401"), "used on node 1, refused on node " + node + ": " + reused);
    }

    // the 6th connection anywhere evicts the oldest anywhere
    List<BridgeClient> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        sockets.add(cluster.connect(i % 3, alice.token()));
        sleep(150);
      }
      sockets.add(cluster.connect(2, alice.token()));
      JsonObject err = sockets.get(0).await(f -> "err".equals(f.getString("type")), BridgeClient.WAIT);
      assertTrue(err.getString("message").startsWith("CONNECTION_LIMIT"), err.encode());
      assertTrue(sockets.get(0).awaitClosed(BridgeClient.WAIT));
      for (int i = 1; i < 6; i++) {
        assertFalse(sockets.get(i).isClosed());
      }

      // the send limit is one bucket per user for the whole cluster: 30 here and there, then 429 elsewhere
      for (int i = 0; i < 30; i++) {
        assertEquals(201, cluster.rest(i % 2).sendMessage(bob, id, "burst " + i, "rl-" + i).status());
      }
      // each node tells the others every second what it let through (the documented bound)
      sleep(1500);
      RestClient.Response limited = cluster.rest(2).sendMessage(bob, id, "one more", "rl-30");
      assertEquals(429, limited.status(), limited.toString());
    } finally {
      sockets.forEach(BridgeClient::close);
    }
  }

  @Test
  @Order(3)
  void presenceIsSharedByAllNodes() {
    User alice = cluster.rest(0).register("alice");
    User bob = cluster.rest(1).register("bob");
    cluster.rest(0).acceptedConversation(alice, bob);
    try (BridgeClient a = cluster.connect(0, alice.token())) {
      a.register("user." + alice.id());
      a.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(bob.id())));
      try (BridgeClient b = cluster.connect(1, bob.token())) {
        JsonObject online = a.event("user." + alice.id(), "presence");
        assertEquals(bob.id(), online.getString("userId"));
        assertTrue(online.getBoolean("online"));
        JsonObject fromNode2 = cluster.rest(2).get("/api/presence?userIds=" + bob.id(), alice.token()).json();
        assertTrue(fromNode2.getJsonObject(bob.id()).getBoolean("online"));
      }
    }
  }

  /**
   * A user removed on one node stops receiving the conversation on the others within a second
   * (the removal is forwarded to every node, in order with the events), and a new register there
   * is refused: no node keeps a remembered "yes".
   */
  @Test
  @Order(4)
  void aRemovedUserStopsReceivingOnEveryNodeAndIsRefusedEverywhere() {
    User alice = cluster.rest(0).register("alice");
    User bob = cluster.rest(1).register("bob");
    User carol = cluster.rest(2).register("carol");
    String id = cluster.rest(0).acceptedConversation(alice, bob, carol);
    String address = "conversation." + id;
    try (BridgeClient b1 = cluster.connect(1, bob.token());
         BridgeClient b2 = cluster.connect(2, bob.token());
         BridgeClient c = cluster.connect(2, carol.token())) {
      for (BridgeClient s : List.of(b1, b2, c)) {
        s.register(address);
      }
      b1.register("user." + bob.id());
      b2.register("user." + bob.id());
      // frames are acted on in order: the answer to a request sent after the registers proves them
      // in effect (carol must be subscribed before bob's view is announced)
      for (BridgeClient s : List.of(b1, b2, c)) {
        s.call("presence.watch", new JsonObject().put("userIds", new JsonArray()));
      }
      // every node has said yes to bob once (and may remember it)
      b1.view(id, true);
      b2.view(id, true);
      c.await(f -> BridgeClient.joined(address, bob.id()).test(f), BridgeClient.WAIT);
      send(c, id, "before", "cr-0");
      for (BridgeClient s : List.of(b1, b2)) {
        s.event(address, "message");
      }

      long removedAt = System.nanoTime();
      assertEquals(204, cluster.rest(0).delete("/api/conversations/" + id + "/participants/" + bob.id(), alice.token()).status());
      for (BridgeClient s : List.of(b1, b2)) {
        assertEquals(id, s.event("user." + bob.id(), "conversation.removed").getString("conversationId"));
      }
      long toldMs = (System.nanoTime() - removedAt) / 1_000_000;
      assertTrue(toldMs < 1000, "bob's sockets on nodes 1 and 2 were told within 1 s: " + toldMs + " ms");
      c.await(f -> BridgeClient.isEvent(address, "participants").test(f), BridgeClient.WAIT);
      sleep(Math.max(0, 1000 - toldMs));
      // a second after the removal no node delivers the conversation to bob, wherever it is sent from
      send(c, id, "after, from node 2", "cr-1");
      assertEquals(201, cluster.rest(1).sendMessage(alice, id, "after, from node 1", "cr-2").status());
      c.await(f -> BridgeClient.isEvent(address, "message").test(f)
        && "cr-2".equals(f.getJsonObject("body").getJsonObject("message").getString("clientMessageId")), BridgeClient.WAIT);
      for (BridgeClient s : List.of(b1, b2)) {
        assertNull(s.poll(f -> BridgeClient.isEvent(address, "message").test(f), Duration.ofMillis(500)),
          "a removed user's socket received a message");
      }
      // and a new register of it is refused on every node, the ones that said yes before included
      for (int node = 0; node < 3; node++) {
        try (BridgeClient again = cluster.connect(node, bob.token())) {
          again.register(address);
          JsonObject refused = again.await(f -> "err".equals(f.getString("type")), BridgeClient.WAIT);
          assertEquals(403, refused.getInteger("failureCode"), "node " + node + ": " + refused.encode());
          assertEquals(address, refused.getString("address"));
          assertEquals(403, again.request("chat.view", new JsonObject().put("conversationId", id).put("viewing", true))
            .getInteger("failureCode"), "node " + node);
          assertEquals(403, again.request("chat.typing", new JsonObject().put("conversationId", id).put("typing", true))
            .getInteger("failureCode"), "node " + node);
        }
      }
    }
  }

  @Test
  @Order(5)
  void aKilledNodeLosesNothingItsUsersGoOfflineAndCatchUpElsewhere() throws Exception {
    User alice = cluster.rest(0).register("alice");
    User bob = cluster.rest(1).register("bob");
    User dave = cluster.rest(2).register("dave");
    String id = cluster.rest(0).acceptedConversation(alice, bob, dave);
    String address = "conversation." + id;
    BridgeClient a = cluster.connect(0, alice.token());
    BridgeClient b = cluster.connect(1, bob.token());
    BridgeClient d = cluster.connect(2, dave.token());
    List<JsonObject> acknowledged = new ArrayList<>();
    try {
      a.register(address);
      a.register("user." + alice.id());
      a.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(dave.id())));
      b.register(address);
      d.register(address);
      // frames are acted on in order: once a request sent after the register is answered, the
      // register is in effect (the first message must not race bob's or dave's register)
      for (BridgeClient c : List.of(b, d)) {
        c.call("presence.watch", new JsonObject().put("userIds", new JsonArray()));
      }
      for (int i = 0; i < 5; i++) {
        acknowledged.add(send(a, id, "before " + i, "k-a-" + i));
        acknowledged.add(send(b, id, "before " + i, "k-b-" + i));
      }
      long daveSaw = d.receivedSoFar().stream().filter(BridgeClient.isEvent(address, "message"))
        .mapToLong(f -> f.getJsonObject("body").getJsonObject("message").getLong("seq")).max().orElse(0);

      cluster.nodes[2].kill();
      long killedAt = System.nanoTime();
      // alice and bob keep sending while the cluster notices
      for (int i = 0; i < 15; i++) {
        acknowledged.add(send(a, id, "after " + i, "k-a2-" + i));
        acknowledged.add(send(b, id, "after " + i, "k-b2-" + i));
        sleep(150);
      }
      JsonObject offline = a.await(f -> BridgeClient.isEvent("user." + alice.id(), "presence").test(f)
        && dave.id().equals(f.getJsonObject("body").getString("userId"))
        && !f.getJsonObject("body").getBoolean("online"), Duration.ofSeconds(15)).getJsonObject("body");
      long offlineAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
      assertFalse(offline.getBoolean("online"));
      assertTrue(offlineAfterMs <= 10_000, "the dead node's users are offline within 10 s: " + offlineAfterMs + " ms");
      JsonObject asked = cluster.rest(1).get("/api/presence?userIds=" + dave.id(), bob.token()).json();
      assertFalse(asked.getJsonObject(dave.id()).getBoolean("online"));

      // nothing acknowledged was lost or doubled
      assertEquals(acknowledged.size(), cluster.count("SELECT count(*) FROM message WHERE conversation_id = '" + id + "'"));
      assertEquals(acknowledged.size(), cluster.count("SELECT count(DISTINCT seq) FROM message WHERE conversation_id = '" + id + "'"));
      assertEquals(acknowledged.size(), cluster.count("SELECT max(seq) FROM message WHERE conversation_id = '" + id + "'"));

      // dave comes back on node 1 and catches up: every message once, in order
      try (BridgeClient back = cluster.connect(1, dave.token())) {
        back.register(address);
        List<JsonObject> missed = new ArrayList<>();
        long position = daveSaw;
        while (true) {
          JsonObject entry = back.call("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, position)))
            .getJsonObject("conversations").getJsonObject(id);
          entry.getJsonArray("messages").forEach(m -> missed.add((JsonObject) m));
          if (!missed.isEmpty()) {
            position = missed.get(missed.size() - 1).getLong("seq");
          }
          if (!entry.getBoolean("hasMore")) {
            break;
          }
        }
        List<Long> seqs = missed.stream().map(m -> m.getLong("seq")).toList();
        assertEquals(java.util.stream.LongStream.rangeClosed(daveSaw + 1, acknowledged.size()).boxed().toList(), seqs);
      }
      // and the survivors saw everything once
      for (BridgeClient c : List.of(a, b)) {
        sleep(300);
        List<String> ids = c.receivedSoFar().stream().filter(BridgeClient.isEvent(address, "message"))
          .map(f -> f.getJsonObject("body").getJsonObject("message").getString("id")).toList();
        List<Long> seqs = c.receivedSoFar().stream().filter(BridgeClient.isEvent(address, "message"))
          .map(f -> f.getJsonObject("body").getJsonObject("message").getLong("seq")).toList();
        assertEquals(acknowledged.size(), ids.size(), "every acknowledged message once, live; seqs received: " + seqs);
        assertEquals(acknowledged.size(), ids.stream().distinct().count());
      }
    } finally {
      a.close();
      b.close();
      d.close();
    }
  }

  @Test
  @Order(6)
  void aRestartedNodeRejoinsAndServes() throws Exception {
    cluster.start(2);
    User alice = cluster.rest(0).register("alice");
    User erin = cluster.rest(2).register("erin");
    String id = cluster.rest(2).conversation(erin, alice);
    String address = "conversation." + id;
    try (BridgeClient a = cluster.connect(0, alice.token());
         BridgeClient e = cluster.connect(2, erin.token())) {
      a.register(address);
      e.register(address);
      a.view(id, true);
      e.view(id, true);
      a.await(f -> BridgeClient.joined(address, erin.id()).test(f), BridgeClient.WAIT);
      JsonObject m = send(e, id, "back again", "rj-1");
      assertEquals(m, a.event(address, "message").getJsonObject("message"));
      JsonObject r = send(a, id, "welcome back", "rj-2");
      assertEquals(r, e.await(f -> BridgeClient.isEvent(address, "message").test(f)
        && "rj-2".equals(f.getJsonObject("body").getJsonObject("message").getString("clientMessageId")), BridgeClient.WAIT)
        .getJsonObject("body").getJsonObject("message"));
    }
  }

  /**
   * Presence changes go through Hazelcast entry processors, whose completions Hazelcast hands to the
   * common fork-join pool, or to a new thread each when that pool has one thread (two cores or
   * fewer, as here). Thrume gives the pool two: a hundred users coming online start no hundred threads.
   */
  @Test
  @Order(7)
  void presenceChangesStartNoThreadEach() throws Exception {
    List<User> users = cluster.seedAccounts("churn", 100);
    double before = metric(0, "jvm_threads_started_threads_total");
    for (User u : users) {
      cluster.connect(0, u.token()).close();
    }
    sleep(1000);
    double started = metric(0, "jvm_threads_started_threads_total") - before;
    assertTrue(started < 50, "threads started for 100 users' presence changes: " + started);
  }

  /**
   * docs/security.md, "Sessions": a logout on one node ends the session on every node within 1 s:
   * its access token is refused everywhere and the sockets it opened, on other nodes too, are closed
   * with UNAUTHORIZED; the user's other session keeps its socket.
   */
  @Test
  @Order(8)
  void aLogoutOnOneNodeClosesTheSessionsSocketsOnEveryNode() {
    User u = cluster.rest(0).register("leaver");
    RestClient.Response other = cluster.rest(2).post("/api/auth/login", null,
      new JsonObject().put("username", u.username()).put("password", "correct horse battery"));
    assertEquals(200, other.status(), other.toString());
    String otherToken = other.json().getString("token");
    BridgeClient onOne = cluster.connect(1, u.token());
    BridgeClient onTwo = cluster.connect(2, u.token());
    BridgeClient otherSession = cluster.connect(2, otherToken);
    try {
      for (BridgeClient c : List.of(onOne, onTwo, otherSession)) {
        c.register("user." + u.id());
      }
      long started = System.nanoTime();
      assertEquals(204, cluster.rest(0).post("/api/auth/logout", u.token(), null).status());
      assertTrue(onOne.awaitClosed(Duration.ofMillis(1500)), "the socket on node 2 is closed");
      assertTrue(onTwo.awaitClosed(Duration.ofMillis(1500)), "the socket on node 3 is closed");
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMs < 1500, "closed after " + tookMs + " ms");
      for (BridgeClient c : List.of(onOne, onTwo)) {
        assertTrue(c.received.stream().anyMatch(f -> "err".equals(f.getString("type"))
          && f.getString("message", "").startsWith("UNAUTHORIZED")), "told why: " + c.received);
      }
      for (int node = 0; node < 3; node++) {
        assertEquals(401, cluster.rest(node).get("/api/accounts/me", u.token()).status(), "node " + (node + 1));
        assertEquals(200, cluster.rest(node).get("/api/accounts/me", otherToken).status(), "node " + (node + 1));
      }
      assertFalse(otherSession.isClosed(), "the other session's socket is open");
    } finally {
      onOne.close();
      onTwo.close();
      otherSession.close();
    }
  }

  static double metric(int node, String name) {
    return cluster.rest(node).get("/metrics", null).body().toString().lines().filter(l -> l.startsWith(name + " "))
      .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
      .orElseThrow(() -> new AssertionError(name + " is not on /metrics"));
  }
}

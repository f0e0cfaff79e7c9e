package io.thrume.bridge;

import io.thrume.bus.Addresses;
import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.thrume.support.ThrumeProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drain (docs/operations.md, "Stopping a node"): on SIGTERM a node refuses new sockets and tickets,
 * tells each open socket when to reconnect (spread over http.drainMs) and closes it with 1012.
 */
class DrainTest {
  static final Pattern TOLD = Pattern.compile("UNAVAILABLE: server restarting, reconnect in (\\d+) ms");

  @Test
  void aDrainingNodeTellsEverySocketWhenToReconnectAndRefusesNewOnes() {
    TestThrume thrume = TestThrume.start(new JsonObject(), TestThrume.tempDir());
    try {
      RestClient rest = thrume.client();
      User alice = rest.register("drain-a");
      User bob = rest.register("drain-b");
      String id = rest.conversation(alice, bob);
      List<BridgeClient> clients = new ArrayList<>();
      for (User u : List.of(alice, alice, bob, bob, bob)) {
        BridgeClient c = BridgeClient.connect(thrume, u.token());
        c.registerInEffect("conversation." + id);
        clients.add(c);
      }
      JsonObject drained = TestThrume.await(thrume.vertx.eventBus().<JsonObject>request(Addresses.NODE_DRAIN,
        new JsonObject().put("drainMs", 5000)), 10).body();
      assertEquals(5, drained.getInteger("sockets"));
      Set<Long> delays = new HashSet<>();
      for (BridgeClient c : clients) {
        delays.add(toldToReconnectIn(c));
      }
      assertTrue(delays.size() > 1, "the delays are spread, not one for all: " + delays);

      // nothing new: no ticket, no socket, and not ready (a load balancer sends traffic elsewhere)
      Response ticket = rest.post("/api/realtime/ticket", alice.token(), null);
      assertEquals(503, ticket.status(), ticket.toString());
      assertTrue(Long.parseLong(ticket.header("Retry-After")) >= 1, ticket.toString());
      Throwable refused = TestThrume.await(BridgeClient.open(thrume, "/eventbus/websocket?ticket=x", null)
        .map(opened -> (Throwable) null).otherwise(e -> e), 10);
      assertTrue(refused instanceof io.vertx.core.http.UpgradeRejectedException rejected && rejected.getStatus() == 503,
        String.valueOf(refused));
      Response ready = rest.get("/health/ready", null);
      assertEquals(503, ready.status());
      assertEquals(true, ready.json().getBoolean("draining"));
      assertEquals(200, rest.get("/health/live", null).status());
      // what was sent before is all there: REST still answers until the process ends
      assertEquals(201, rest.sendMessage(alice, id, "still here", "drain-1").status());
    } finally {
      thrume.close();
    }
  }

  @Test
  void aSocketAcceptedAsSigtermComesIsToldToo() throws Exception {
    // a cluster node: its ticket check is a Hazelcast round trip, so an upgrade that passed the
    // "draining?" check just before SIGTERM can be taken in after the drain looked at the node's
    // sockets. One user's tickets are taken first; the sockets are then opened all at once and
    // the node gets SIGTERM as soon as the first is open: every socket that opened is told.
    JsonObject relaxed = new JsonObject().put("limits", new JsonObject().put("ticket", new JsonObject()
      .put("burst", 1000).put("perSecond", 100.0))).put("presence", new JsonObject().put("maxConnectionsPerUser", 1000));
    try (io.thrume.support.ThrumeCluster cluster = new io.thrume.support.ThrumeCluster(1, relaxed)) {
      RestClient rest = cluster.rest(0);
      User dave = rest.register("drain-d");
      List<String> tickets = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        tickets.add(rest.post("/api/realtime/ticket", dave.token(), null).json().getString("ticket"));
      }
      java.util.concurrent.CompletableFuture<Integer> exit = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.atomic.AtomicBoolean termed = new java.util.concurrent.atomic.AtomicBoolean();
      List<io.vertx.core.Future<BridgeClient>> opens = new ArrayList<>();
      for (String ticket : tickets) {
        opens.add(BridgeClient.open(cluster.vertx, cluster.httpPorts[0], "/eventbus/websocket?ticket=" + ticket, null)
          .onSuccess(c -> {
            if (termed.compareAndSet(false, true)) {
              new Thread(() -> {
                try {
                  exit.complete(cluster.nodes[0].terminate());
                } catch (InterruptedException e) {
                  exit.completeExceptionally(e);
                }
              }).start();
            }
          }));
      }
      // some are refused (503): all settled is what is awaited
      TestThrume.await(io.vertx.core.Future.join(opens).otherwiseEmpty(), 60);
      List<BridgeClient> clients = opens.stream().filter(io.vertx.core.Future::succeeded).map(io.vertx.core.Future::result).toList();
      System.out.println("DrainTest: " + clients.size() + " of " + tickets.size() + " sockets opened, the rest refused");
      int code = exit.get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(code == 0 || code == 143, "exit after SIGTERM: " + code);
      for (BridgeClient c : clients) {
        toldToReconnectIn(c);
      }
    }
  }

  @Test
  void sigtermTellsTheClientsInsteadOfCuttingThem() throws Exception {
    Path dataDir = TestThrume.tempDir();
    int port = TestThrume.freePort();
    ThrumeProcess node = ThrumeProcess.start(Map.of("THRUME_DATA_DIR", dataDir.toString()), port);
    Vertx vertx = Vertx.vertx();
    try {
      RestClient rest = new RestClient(vertx, port, null);
      User carol = rest.register("drain-c");
      List<BridgeClient> clients = List.of(BridgeClient.connect(vertx, port, carol.token()),
        BridgeClient.connect(vertx, port, carol.token()));
      // an answer shows the node has taken each socket in: the client's handshake completes before
      // the node's accept runs, and a socket not yet accepted when SIGTERM comes is closed, not told
      for (BridgeClient c : clients) {
        c.call("chat.sync", new JsonObject().put("positions", new JsonObject()));
      }
      int code = node.terminate();
      assertTrue(code == 0 || code == 143, "exit after SIGTERM: " + code);
      for (BridgeClient c : clients) {
        toldToReconnectIn(c);
      }
      String out = node.output();
      // the log names the longest delay a socket was told, within http.drainMs
      Matcher drained = Pattern.compile("Drained: 2 sockets told to reconnect within (\\d+) ms").matcher(out);
      assertTrue(drained.find() && Long.parseLong(drained.group(1)) <= 5000, out);
      assertTrue(out.contains("Thrume stopped"), out);
    } finally {
      node.close();
      TestThrume.await(vertx.close(), 10);
    }
  }

  /** The err frame that tells the client to come back in N ms, then the close with 1012; answers N. */
  static long toldToReconnectIn(BridgeClient c) {
    JsonObject err = c.await(f -> "err".equals(f.getString("type")) && f.getString("address") == null, BridgeClient.WAIT);
    assertEquals(503, err.getInteger("failureCode"), err.encode());
    Matcher m = TOLD.matcher(err.getString("message"));
    assertTrue(m.matches(), err.encode());
    long ms = Long.parseLong(m.group(1));
    assertTrue(ms >= 0 && ms <= 5000, err.encode());
    assertTrue(c.awaitClosed(BridgeClient.WAIT), "not closed after being told");
    assertEquals((short) 1012, c.closeStatus());
    return ms;
  }
}

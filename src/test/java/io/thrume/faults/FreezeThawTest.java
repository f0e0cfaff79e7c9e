package io.thrume.faults;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Freeze and thaw (docs/faults.md): node C is stopped with SIGSTOP for 15 s, as a long GC pause or
 * a stalled VM looks, with the real heartbeat settings (cluster.xml: dead after 4 s). The others
 * remove it and take its user offline; when C wakes it finds itself cut off and must not serve a
 * split view: it tells its sockets to reconnect and closes them, and says it is neither ready nor
 * live. The user reconnects elsewhere and is online again, and receives what is sent.
 */
class FreezeThawTest {
  static final Pattern TOLD = Pattern.compile("UNAVAILABLE: server restarting, reconnect in (\\d+) ms");

  @Test
  void aThawedNodeClosesItsSocketsInsteadOfServingASplitView() throws Exception {
    // -Dthrume.faults.cpus=0 pins the nodes to one core, as SenderNodeKillTest
    try (ThrumeCluster cluster = new ThrumeCluster(3, new JsonObject(),
        ThrumeCluster.pinnedTo(System.getProperty("thrume.faults.cpus")))) {
      List<User> users = cluster.seedAccounts("freeze", 2);
      User watcher = users.get(0);
      User frozen = users.get(1);
      RestClient rest = cluster.rest(0);
      String id = rest.conversation(watcher, frozen);
      assertEquals(200, rest.accept(frozen, id).status());
      String address = "conversation." + id;

      BridgeClient onC = cluster.connect(2, frozen.token());
      onC.registerInEffect(address);
      BridgeClient onA = cluster.connect(0, watcher.token());
      onA.register("user." + watcher.id());
      onA.registerInEffect(address);
      awaitOnline(onA, frozen, true);

      long pid = cluster.nodes[2].process.pid();
      signal("STOP", pid);
      long frozenAt = System.nanoTime();
      onA.await(presence(watcher, frozen, false), Duration.ofSeconds(15));
      long offlineMs = (System.nanoTime() - frozenAt) / 1_000_000;
      long left = 15_000 - offlineMs;
      if (left > 0) {
        Thread.sleep(left);
      }
      signal("CONT", pid);
      long thawedAt = System.nanoTime();

      // C tells its socket to come back later, and closes it
      JsonObject told = onC.await(f -> "err".equals(f.getString("type")) && f.getString("address") == null, Duration.ofSeconds(10));
      Matcher m = TOLD.matcher(told.getString("message"));
      assertTrue(m.matches(), told.encode());
      assertTrue(onC.awaitClosed(Duration.ofSeconds(10)), "the thawed node's socket is closed");
      assertEquals((short) 1012, onC.closeStatus());
      long closedMs = (System.nanoTime() - thawedAt) / 1_000_000;
      assertEquals(503, cluster.rest(2).get("/health/ready", null).status(), "the thawed node is not ready");
      assertEquals(503, cluster.rest(2).get("/health/live", null).status(), "nor live: restart it");
      assertEquals(200, cluster.rest(0).get("/health/live", null).status());

      // the client comes back when told, through the balancer (here: to A), and is online again
      Thread.sleep(Long.parseLong(m.group(1)));
      BridgeClient back = cluster.connect(0, frozen.token());
      back.registerInEffect(address);
      onA.await(presence(watcher, frozen, true), Duration.ofSeconds(10));
      long onlineMs = (System.nanoTime() - thawedAt) / 1_000_000;
      assertTrue(onlineMs < 10_000 + Long.parseLong(m.group(1)), "online again within 10 s of waking: " + onlineMs);
      assertEquals(201, rest.sendMessage(watcher, id, "after the thaw", "thaw-1").status());
      back.await(BridgeClient.isEvent(address, "message"), Duration.ofSeconds(5));
      assertFalse(onA.isClosed(), "A's sockets are untouched");
      System.out.println("FreezeThawTest: offline on A " + offlineMs + " ms after the freeze; C's socket told and closed "
        + closedMs + " ms after the thaw; online again " + onlineMs + " ms after the thaw (told to wait " + m.group(1) + " ms)");
      back.close();
      onA.close();
    }
  }

  static void awaitOnline(BridgeClient socket, User user, boolean online) throws InterruptedException {
    for (int tries = 0; ; tries++) {
      JsonObject states = socket.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(user.id())));
      JsonObject state = states.getJsonObject(user.id());
      if (state != null && state.getBoolean("online") == online) {
        return;
      }
      assertTrue(tries < 20, "presence of " + user.id() + ": " + states);
      Thread.sleep(500);
    }
  }

  static java.util.function.Predicate<JsonObject> presence(User watcher, User user, boolean online) {
    return f -> BridgeClient.isEvent("user." + watcher.id(), "presence").test(f)
      && user.id().equals(f.getJsonObject("body").getString("userId")) && f.getJsonObject("body").getBoolean("online") == online;
  }

  static void signal(String name, long pid) throws Exception {
    assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor());
  }
}

package io.thrume.metrics;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitoring meters of docs/operations.md, "Metrics", on a real node: each moves when what it counts happens. */
class MonitoringTest {
  private final TestThrume thrume = TestThrume.shared();
  private final RestClient rest = thrume.client();

  @Test
  void jvmGcThreadsClassesFileDescriptorsAndUptimeAreExposed() throws Exception {
    System.gc(); // GC pause timers appear with the first collection
    Map<String, Double> m = metrics(thrume);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!m.keySet().stream().anyMatch(k -> k.startsWith("jvm_gc_pause_seconds_count")) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      m = metrics(thrume);
    }
    for (String name : new String[] {"jvm_gc_pause_seconds_count", "jvm_memory_used_bytes", "jvm_threads_live_threads",
      "jvm_classes_loaded_classes", "process_files_open_files", "process_files_max_files", "process_uptime_seconds",
      "process_cpu_usage", "system_cpu_count"}) {
      String found = name;
      assertTrue(m.keySet().stream().anyMatch(k -> k.equals(found) || k.startsWith(found + "{")), name + " missing");
    }
    assertTrue(sum(m, "process_files_open_files") > 0);
  }

  @Test
  void bridgeConnectionsAreCountedByOutcomeAndTheirDurationMeasured() throws Exception {
    User u = rest.register("conn");
    Map<String, Double> before = metrics(thrume);
    try (BridgeClient ok = BridgeClient.connect(thrume, u.token())) {
      ok.ping();
    }
    // a bad ticket: 401 before the upgrade
    assertFalse(TestThrume.await(BridgeClient.open(thrume, "/eventbus/websocket?ticket=nope", null)
      .map(c -> true).otherwise(false), 10));
    // a foreign origin: 403
    assertFalse(TestThrume.await(BridgeClient.open(thrume, "/eventbus/websocket?ticket=nope", "https://elsewhere.example")
      .map(c -> true).otherwise(false), 10));
    Map<String, Double> after = awaitDelta(before, "thrume_bridge_connection_seconds_count", 1);
    assertEquals(3, delta(before, after, "thrume_bridge_connect_attempts_total{transport=\"websocket\"}"));
    assertEquals(1, delta(before, after, "thrume_bridge_connect_accepted_total{transport=\"websocket\"}"));
    assertEquals(1, delta(before, after, "thrume_bridge_connect_refused_total{reason=\"UNAUTHORIZED\"}"));
    assertEquals(1, delta(before, after, "thrume_bridge_connect_refused_total{reason=\"FORBIDDEN\"}"));
    assertEquals(1, delta(before, after, "thrume_bridge_connection_seconds_count"));
    // refused connections are bridge failures, not REST ones, though answered over HTTP
    assertEquals(1, delta(before, after, "thrume_failures_total{code=\"UNAUTHORIZED\",edge=\"bridge\"}"));
    assertEquals(0, delta(before, after, "thrume_failures_total{code=\"UNAUTHORIZED\",edge=\"rest\"}"));
    assertTrue(after.containsKey("thrume_bridge_connection_seconds_bucket{le=\"60.0\"}"), "duration buckets");
  }

  @Test
  void sockJsSessionsAreCountedToo() throws Exception {
    User u = rest.register("sockjs");
    String ticket = rest.post("/api/realtime/ticket", u.token(), null).json().getString("ticket");
    Map<String, Double> before = metrics(thrume);
    WebSocketClient client = thrume.vertx.createWebSocketClient();
    try {
      WebSocket ok = TestThrume.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(thrume.port)
        .setURI("/eventbus/123/okokokok/websocket?ticket=" + ticket)), 10);
      awaitDelta(before, "thrume_bridge_connect_accepted_total{transport=\"sockjs\"}", 1);
      TestThrume.await(ok.close(), 10);
      TestThrume.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(thrume.port)
        .setURI("/eventbus/123/forgedid/websocket?ticket=forged")), 10);
      Map<String, Double> after = awaitDelta(before, "thrume_bridge_connect_refused_total{reason=\"UNAUTHORIZED\"}", 1);
      after = awaitDelta(before, "thrume_bridge_connection_seconds_count", 1);
      assertEquals(2, delta(before, after, "thrume_bridge_connect_attempts_total{transport=\"sockjs\"}"));
      assertEquals(1, delta(before, after, "thrume_bridge_connect_accepted_total{transport=\"sockjs\"}"));
      assertEquals(1, delta(before, after, "thrume_bridge_connect_refused_total{reason=\"UNAUTHORIZED\"}"));
      assertEquals(1, delta(before, after, "thrume_failures_total{code=\"UNAUTHORIZED\",edge=\"bridge\"}"));
      assertEquals(1, delta(before, after, "thrume_bridge_connection_seconds_count"));
    } finally {
      client.close();
    }
  }

  @Test
  void aDeliveredMessageIsTimedFromItsCommitToItsWrite() throws Exception {
    User alice = rest.register("lat-a");
    User bob = rest.register("lat-b");
    String id = rest.conversation(alice, bob);
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      b.registerInEffect("conversation." + id);
      Map<String, Double> before = metrics(thrume);
      assertEquals(201, rest.sendMessage(alice, id, "timed", "lat-1").status());
      b.event("conversation." + id, "message");
      Map<String, Double> after = awaitDelta(before, "thrume_message_delivery_seconds_count", 1);
      assertTrue(delta(before, after, "thrume_message_delivery_seconds_count") >= 1);
      double seconds = delta(before, after, "thrume_message_delivery_seconds_sum");
      assertTrue(seconds >= 0 && seconds < 5, "commit to write took " + seconds + " s");
      assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("thrume_message_delivery_seconds_bucket{")));
    }
  }

  @Test
  void failuresAreCountedByCodeAndEdge() throws Exception {
    User u = rest.register("fail");
    Map<String, Double> before = metrics(thrume);
    assertEquals(401, rest.get("/api/conversations", null).status());
    assertEquals(400, rest.postRaw("/api/conversations", u.token(), "not json").status());
    try (BridgeClient b = BridgeClient.connect(thrume, u.token())) {
      b.sendText("not json either");
      b.await(f -> "err".equals(f.getString("type")), BridgeClient.WAIT);
      b.request("nowhere.at.all", new JsonObject());
    }
    Map<String, Double> after = metrics(thrume);
    assertEquals(1, delta(before, after, "thrume_failures_total{code=\"UNAUTHORIZED\",edge=\"rest\"}"));
    assertEquals(1, delta(before, after, "thrume_failures_total{code=\"INVALID\",edge=\"rest\"}"));
    assertEquals(1, delta(before, after, "thrume_failures_total{code=\"INVALID\",edge=\"bridge\"}"));
    assertEquals(1, delta(before, after, "thrume_failures_total{code=\"FORBIDDEN\",edge=\"bridge\"}"));
    // every code of both edges is there from the start
    assertTrue(before.containsKey("thrume_failures_total{code=\"CONFLICT\",edge=\"rest\"}"));
    assertTrue(before.containsKey("thrume_failures_total{code=\"CONNECTION_LIMIT\",edge=\"bridge\"}"));
  }

  private Map<String, Double> awaitDelta(Map<String, Double> before, String name, double atLeast) throws Exception {
    long deadline = System.nanoTime() + BridgeClient.WAIT.toNanos();
    Map<String, Double> now = metrics(thrume);
    while (delta(before, now, name) < atLeast && System.nanoTime() < deadline) {
      Thread.sleep(50);
      now = metrics(thrume);
    }
    return now;
  }

  static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
    return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
  }

  static double sum(Map<String, Double> m, String name) {
    return m.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
      .mapToDouble(Map.Entry::getValue).sum();
  }

  /** Every sample of GET /metrics: series (name and labels, as written) → value. */
  static Map<String, Double> metrics(TestThrume thrume) {
    RestClient.Response r = thrume.client().get("/metrics", null);
    assertEquals(200, r.status());
    Map<String, Double> samples = new TreeMap<>();
    for (String line : r.body().toString().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return samples;
  }
}

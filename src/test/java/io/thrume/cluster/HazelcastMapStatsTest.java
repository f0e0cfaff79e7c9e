package io.thrume.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.multimap.MultiMap;
import io.micrometer.core.instrument.FunctionCounter;
import io.thrume.metrics.ThrumeMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-map operation counters of one Hazelcast member, maps made before and after registering. */
class HazelcastMapStatsTest {
  static HazelcastInstance hazelcast;
  static final ThrumeMetrics metrics = ThrumeMetrics.create();

  @BeforeAll
  static void start() {
    Config config = new Config().setClusterName("map-stats-test-" + System.nanoTime());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(0).getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
    hazelcast = Hazelcast.newHazelcastInstance(config);
    hazelcast.getMap("before");
    HazelcastMapStats.register(hazelcast, metrics);
  }

  @AfterAll
  static void stop() {
    hazelcast.shutdown();
  }

  static double count(String map, String op) {
    FunctionCounter counter = metrics.registry().find("thrume.hazelcast.map.operations").tags("map", map, "op", op)
      .functionCounter();
    return counter == null ? -1 : counter.count();
  }

  @Test
  void countsPerMapAndOperationIncludingMapsMadeLater() throws Exception {
    IMap<String, String> before = hazelcast.getMap("before");
    before.put("a", "1");
    before.get("a");
    before.get("b");
    IMap<String, String> later = hazelcast.getMap("later");
    later.putAsync("x", "1").toCompletableFuture().get(5, TimeUnit.SECONDS);
    later.executeOnKey("x", entry -> entry.setValue("2"));
    later.removeAsync("x").toCompletableFuture().get(5, TimeUnit.SECONDS);
    MultiMap<String, String> multi = hazelcast.getMultiMap("multi");
    multi.put("k", "v1");
    multi.get("k");
    // the listener that measures new maps runs on a Hazelcast event thread
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && (count("later", "put") < 0 || count("multi", "get") < 0)) {
      Thread.sleep(20);
    }
    Thread.sleep(1100);   // past the snapshot's freshness
    assertEquals(1, count("before", "put"));
    assertEquals(2, count("before", "get"));
    assertEquals(2, count("later", "put"), "the put, and the entry processor's write on the key's owner");
    assertEquals(1, count("later", "remove"));
    assertEquals(1, count("multi", "put"));
    assertEquals(1, count("multi", "get"));
    assertTrue(metrics.registry().scrape().contains("thrume_hazelcast_map_operations_total{map=\"later\",op=\"put\"} 2.0"));
  }
}

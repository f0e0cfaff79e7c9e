package io.thrume.cluster;

import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.DistributedObjectEvent;
import com.hazelcast.core.DistributedObjectListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.LocalMapStats;
import com.hazelcast.multimap.MultiMap;
import io.thrume.metrics.ThrumeMetrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * This member's Hazelcast operations per map and operation type, as counters
 * ({@code thrume_hazelcast_map_operations_total{map, op}}): what a message or a connection costs
 * the cluster, map by map (Vert.x' subscriptions {@code __vertx.subs}, presence, viewers,
 * tickets, rate limits). Read from Hazelcast's local statistics of every map and multimap,
 * including those created later (rate-limit maps are made on first use, on any member).
 * <p>
 * What Hazelcast 5.3 counts where: get, put, set and remove on the member that called them; an
 * entry processor (presence, viewers, rate limits) as a put or remove on the member that owns the
 * key, only when it changed the entry; "other" is size, contains, entry sets and the like;
 * "event" is entry events this member received (each {@code __vertx.subs} change reaches every
 * member's listener). Sum the members for the cluster's figure.
 */
final class HazelcastMapStats implements DistributedObjectListener {
  private static final String MAP_SERVICE = "hz:impl:mapService";
  private static final String MULTIMAP_SERVICE = "hz:impl:multiMapService";
  private static final Map<String, ToLongFunction<LocalMapStats>> OPERATIONS = Map.of(
    "get", LocalMapStats::getGetOperationCount,
    "put", LocalMapStats::getPutOperationCount,
    "set", LocalMapStats::getSetOperationCount,
    "remove", LocalMapStats::getRemoveOperationCount,
    "other", LocalMapStats::getOtherOperationCount,
    "event", LocalMapStats::getEventOperationCount);
  private final HazelcastInstance hazelcast;
  private final ThrumeMetrics metrics;
  /** The maps measured, by name; also what keeps the counters' sources alive (Micrometer holds them weakly). */
  private final Map<String, Snapshot> maps = new ConcurrentHashMap<>();

  /**
   * A map's statistics, taken once per scrape: Hazelcast builds a fresh snapshot on every call,
   * walking all partitions, and six counters read the same one.
   */
  private static final class Snapshot {
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private final Supplier<LocalMapStats> read;
    private LocalMapStats last;
    private long at;

    Snapshot(Supplier<LocalMapStats> read) {
      this.read = read;
    }

    synchronized long count(ToLongFunction<LocalMapStats> operation) {
      long now = System.nanoTime();
      if (last == null || now - at > FRESH_NANOS) {
        last = read.get();
        at = now;
      }
      return operation.applyAsLong(last);
    }
  }

  private HazelcastMapStats(HazelcastInstance hazelcast, ThrumeMetrics metrics) {
    this.hazelcast = hazelcast;
    this.metrics = metrics;
  }

  /** Measures the maps that exist now and every one created later, on any member. */
  static void register(HazelcastInstance hazelcast, ThrumeMetrics metrics) {
    HazelcastMapStats stats = new HazelcastMapStats(hazelcast, metrics);
    hazelcast.addDistributedObjectListener(stats);
    hazelcast.getDistributedObjects().forEach(stats::measure);
  }

  @Override
  public void distributedObjectCreated(DistributedObjectEvent event) {
    String name = String.valueOf(event.getObjectName());
    // a local proxy of what another member created; cheap when it exists already
    if (MAP_SERVICE.equals(event.getServiceName())) {
      measure(hazelcast.getMap(name));
    } else if (MULTIMAP_SERVICE.equals(event.getServiceName())) {
      measure(hazelcast.getMultiMap(name));
    }
  }

  @Override
  public void distributedObjectDestroyed(DistributedObjectEvent event) {
    // Thrume destroys no map; a destroyed one keeps its last counts
  }

  private void measure(DistributedObject object) {
    Supplier<LocalMapStats> read;
    if (object instanceof IMap<?, ?> map) {
      read = map::getLocalMapStats;
    } else if (object instanceof MultiMap<?, ?> multiMap) {
      read = multiMap::getLocalMultiMapStats;
    } else {
      return;
    }
    maps.computeIfAbsent(object.getName(), name -> {
      Snapshot snapshot = new Snapshot(read);
      OPERATIONS.forEach((op, count) -> metrics.hazelcastMapOperations(name, op, snapshot, s -> s.count(count)));
      return snapshot;
    });
  }
}

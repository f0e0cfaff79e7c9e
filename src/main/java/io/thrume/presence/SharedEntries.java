package io.thrume.presence;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.Serializable;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * JSON entries shared by all nodes (presence, conversation viewers), changed atomically so nodes
 * never overwrite each other. One node: a Vert.x shared map with compare-and-set. Cluster: a
 * Hazelcast map whose entries are changed by an entry processor on the key's owner, one
 * operation per change whatever the contention (compare-and-set retries swamped Hazelcast in a
 * reconnect storm).
 */
interface SharedEntries {

  /**
   * A change of one entry: gets a copy of it (or null) and returns the new one (null: remove).
   * Serializable, as it may run on another member: capture only strings, numbers and lists of them.
   */
  interface Update extends UnaryOperator<JsonObject>, Serializable {
  }

  /** What an update changed: the entry before (null if none) and after (null if removed). */
  record Change(JsonObject before, JsonObject after) {
  }

  Future<Change> update(String key, Update update);

  Future<JsonObject> get(String key);

  /** Every entry: for rare sweeps (a member left), not for the hot path. */
  Future<Map<String, JsonObject>> entries();

  static Future<SharedEntries> of(Vertx vertx, String name) {
    if (vertx.isClustered() && ((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager hazelcast) {
      return Future.succeededFuture(new HazelcastEntries(vertx, hazelcast.getHazelcastInstance().getMap(name)));
    }
    return vertx.sharedData().<String, JsonObject>getAsyncMap(name).map(LocalEntries::new);
  }
}

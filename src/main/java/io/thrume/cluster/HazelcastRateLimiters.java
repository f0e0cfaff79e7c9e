package io.thrume.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.thrume.limit.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Token buckets in Hazelcast maps (thrume.ratelimit.<name>), so a limit holds across all nodes. */
public final class HazelcastRateLimiters implements RateLimiter.Factory {
  private final Vertx vertx;
  private final HazelcastInstance hazelcast;

  public HazelcastRateLimiters(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
  }

  @Override
  public RateLimiter create(String name, double burst, double perSecond) {
    IMap<String, double[]> buckets = hazelcast.getMap("thrume.ratelimit." + name);
    TakeToken take = new TakeToken(burst, perSecond);
    return key -> Future.fromCompletionStage(buckets.submitToKey(key, take), vertx.getOrCreateContext());
  }
}

package io.thrume.limit;

import io.vertx.core.Future;

/** A token bucket per key: 0 when a token was taken, else the whole seconds to wait. */
public interface RateLimiter {
  Future<Long> take(String key);

  /** Makes rate limiters: per node ({@link #local()}) or shared by a whole cluster. */
  interface Factory {
    RateLimiter create(String name, double burst, double perSecond);
  }

  /**
   * Buckets in this process. A limiter from here must be used by one verticle (one event loop):
   * that verticle's buckets are plain maps.
   */
  static Factory local() {
    return (name, burst, perSecond) -> new LocalRateLimiter(new TokenBuckets(burst, perSecond), key -> {
    });
  }
}

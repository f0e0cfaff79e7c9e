package io.thrume.limit;

import io.vertx.core.Future;

import java.util.function.Consumer;

/** Token buckets of one verticle (used on its event loop only), forgetting full ones now and then. */
final class LocalRateLimiter implements RateLimiter {
  private static final int SWEEP_EVERY = 10_000;
  private final TokenBuckets buckets;
  private final Consumer<String> taken;
  private long calls;

  /** {@code taken} hears of each token given out (a cluster tells the other nodes). */
  LocalRateLimiter(TokenBuckets buckets, Consumer<String> taken) {
    this.buckets = buckets;
    this.taken = taken;
  }

  @Override
  public Future<Long> take(String key) {
    if (++calls % SWEEP_EVERY == 0) {
      buckets.sweep();
    }
    long wait = buckets.take(key);
    if (wait == 0) {
      taken.accept(key);
    }
    return Future.succeededFuture(wait);
  }
}

package io.thrume.limit;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets by key (a user id, a client address): {@code burst} tokens, refilled at
 * {@code perSecond}. Not thread-safe: each owner verticle keeps its own and uses it on its
 * event loop. Full buckets are forgotten by {@link #sweep()} so memory follows active keys only.
 */
public final class TokenBuckets {
  private final double burst;
  private final double perNano;
  private final LongSupplier clock;
  private final Map<String, Bucket> buckets = new HashMap<>();

  private static final class Bucket {
    double tokens;
    long updatedAt;
  }

  public TokenBuckets(double burst, double perSecond) {
    this(burst, perSecond, System::nanoTime);
  }

  TokenBuckets(double burst, double perSecond, LongSupplier clock) {
    if (burst < 1 || perSecond <= 0) {
      throw new IllegalArgumentException("a bucket needs burst >= 1 and a positive refill rate");
    }
    this.burst = burst;
    this.perNano = perSecond / 1e9;
    this.clock = clock;
  }

  /** Takes one token: 0 when allowed, else the whole seconds to wait before one is available. */
  public long take(String key) {
    Bucket b = refilled(key);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    double missingNanos = (1 - b.tokens) / perNano;
    return Math.max(1, (long) Math.ceil(missingNanos / 1e9));
  }

  /**
   * Takes tokens another node gave out for the key, so that its limit holds across the cluster.
   * The bucket may go below zero (down to minus the burst): those tokens were spent, and the key
   * waits for the refill like anyone who spent them here.
   */
  public void debit(String key, int tokens) {
    Bucket b = refilled(key);
    b.tokens = Math.max(-burst, b.tokens - tokens);
  }

  /** Drops buckets that are full again (their keys have been quiet long enough). */
  public void sweep() {
    long now = clock.getAsLong();
    buckets.values().removeIf(b -> {
      refill(b, now);
      return b.tokens >= burst;
    });
  }

  public int size() {
    return buckets.size();
  }

  /** The key's bucket (full when new), refilled to now. */
  private Bucket refilled(String key) {
    long now = clock.getAsLong();
    Bucket b = buckets.computeIfAbsent(key, k -> {
      Bucket fresh = new Bucket();
      fresh.tokens = burst;
      fresh.updatedAt = now;
      return fresh;
    });
    refill(b, now);
    return b;
  }

  private void refill(Bucket b, long now) {
    b.tokens = Math.min(burst, b.tokens + (now - b.updatedAt) * perNano);
    b.updatedAt = now;
  }
}

package io.thrume.limit;

import io.thrume.bus.Addresses;
import io.thrume.fanout.Events;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * Rate limits that hold across a cluster without a round trip per request. Each node keeps its
 * own token buckets and answers at once; every {@code reportMs} it tells the others how many
 * tokens each key took here lately (one message per node and limiter, only when there was
 * traffic), and they take as many from their own buckets.
 *
 * <p>The bound: a key that spreads its requests over N nodes gets at most what one node allows,
 * plus what the other N−1 nodes let through before their reports arrive: (N−1) × (burst +
 * rate × report interval) more in the worst case, and no more than the limit in the long run.
 * A key that stays on one node (a user's sockets, mostly) gets exactly the limit.
 */
public final class SharedRateLimiters implements RateLimiter.Factory {
  private static final long REPORT_MS = 1000;
  private final Vertx vertx;

  public SharedRateLimiters(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Call from the verticle that will use the limiter: its buckets live on that verticle's event loop. */
  @Override
  public RateLimiter create(String name, double burst, double perSecond) {
    TokenBuckets buckets = new TokenBuckets(burst, perSecond);
    Map<String, Integer> takenHere = new HashMap<>();
    String address = Addresses.RATE_LIMIT_USED + "." + name;
    // the other nodes' reports only: a node's own never comes back to it (Events.broadcastToOthers)
    vertx.eventBus().<JsonObject>localConsumer(address, message -> {
      JsonObject taken = message.body().getJsonObject("taken");
      taken.fieldNames().forEach(key -> buckets.debit(key, taken.getInteger(key)));
    });
    vertx.setPeriodic(REPORT_MS, id -> {
      if (!takenHere.isEmpty()) {
        JsonObject taken = new JsonObject();
        takenHere.forEach(taken::put);
        takenHere.clear();
        Events.broadcastToOthers(vertx.eventBus(), address, new JsonObject().put("taken", taken));
      }
    });
    return new LocalRateLimiter(buckets, key -> takenHere.merge(key, 1, Integer::sum));
  }
}

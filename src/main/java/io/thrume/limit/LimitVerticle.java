package io.thrume.limit;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.Map;

/**
 * Per-user limits on the work users cause outside sending ({@link Action}), for the bridge and
 * the REST routes alike: {@code thrume.limit.take {userId, action, cost?}} answers {} or fails
 * RATE_LIMITED with the seconds to wait. Its buckets live on this verticle's event loop; in a
 * cluster they tell each other what they let through ({@link SharedRateLimiters}).
 */
public class LimitVerticle extends VerticleBase {
  private final RateLimiter.Factory limits;
  private final Map<Action, RateLimiter> buckets = new EnumMap<>(Action.class);

  public LimitVerticle(RateLimiter.Factory limits) {
    this.limits = limits;
  }

  @Override
  public Future<?> start() {
    Settings settings = new Settings(config());
    for (Action action : Action.values()) {
      buckets.put(action, limits.create("limits." + action.key, settings.integer(ConfigKeys.limitBurst(action.key)),
        settings.decimal(ConfigKeys.limitPerSecond(action.key))));
    }
    Handlers.serve(vertx.eventBus(), Addresses.LIMIT_TAKE, m -> take(m.body()));
    return Future.succeededFuture();
  }

  private Future<JsonObject> take(JsonObject body) {
    RateLimiter bucket = buckets.get(Action.ofKey(body.getString("action")));
    String user = body.getString("userId");
    int cost = body.getInteger("cost", 1);
    Future<Long> wait = bucket.take(user);
    for (int i = 1; i < cost; i++) {
      wait = wait.compose(w -> w > 0 ? Future.succeededFuture(w) : bucket.take(user));
    }
    return wait.compose(w -> w > 0 ? Future.failedFuture(Failure.rateLimited(w)) : Future.succeededFuture(new JsonObject()));
  }
}

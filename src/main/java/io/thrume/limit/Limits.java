package io.thrume.limit;

import io.thrume.bus.Addresses;
import io.thrume.bus.Local;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** How a service asks {@link LimitVerticle} whether a user may do an action now. */
public final class Limits {
  private Limits() {
  }

  /** Succeeds when the user may; fails RATE_LIMITED (with the seconds to wait) otherwise. */
  public static Future<Void> take(EventBus bus, String userId, Action action) {
    return take(bus, userId, action, 1);
  }

  public static Future<Void> take(EventBus bus, String userId, Action action, int cost) {
    return bus.request(Addresses.LIMIT_TAKE, new JsonObject().put("userId", userId).put("action", action.key)
      .put("cost", cost), Local.delivery()).mapEmpty();
  }
}

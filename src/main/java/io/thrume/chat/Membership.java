package io.thrume.chat;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Local;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;

/**
 * "Is this user in that conversation?", asked of the store once and then remembered: Thrume has
 * no way to leave a conversation, so a yes never turns into a no. Bounded: forgets all when full.
 */
final class Membership {
  private static final int MAX_ENTRIES = 200_000;
  private final EventBus bus;
  private final Set<String> known = new HashSet<>();

  Membership(EventBus bus) {
    this.bus = bus;
  }

  void remember(String userId, String conversationId) {
    if (known.size() >= MAX_ENTRIES) {
      known.clear();
    }
    known.add(userId + "/" + conversationId);
  }

  /** Succeeds for participants; fails NOT_FOUND (no existence leak) for everyone else. */
  Future<Void> require(String userId, String conversationId) {
    if (known.contains(userId + "/" + conversationId)) {
      return Future.succeededFuture();
    }
    return bus.<JsonObject>request(Addresses.STORE_MEMBERSHIP,
        new JsonObject().put("userId", userId).put("conversationId", conversationId), Local.delivery())
      .compose(reply -> {
        if (!reply.body().getBoolean("member")) {
          return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
        }
        remember(userId, conversationId);
        return Future.succeededFuture();
      });
  }
}

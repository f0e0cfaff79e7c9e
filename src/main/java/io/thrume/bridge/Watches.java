package io.thrume.bridge;

import io.thrume.bus.Addresses;
import io.thrume.bus.Local;
import io.thrume.fanout.ClientSocket;
import io.thrume.fanout.NodeFanout;
import io.thrume.limit.Action;
import io.thrume.limit.Limits;
import io.thrume.validate.Fields;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * presence.watch on the bridge: whose presence changes a socket receives, only people whose
 * presence its user may see, checked again when a removal or a block may have changed that.
 */
final class Watches {
  /** Users one socket may watch. */
  static final int MAX_WATCHED = 500;
  private final EventBus bus;
  private final NodeFanout fanout;
  /**
   * When this node last heard that someone's presence may have become invisible to someone
   * (a removal from a conversation, a block): a watch whose visibility was asked before then asks again.
   */
  private volatile long visibilityChanged = System.nanoTime() - 1_000_000_000_000L;

  Watches(EventBus bus, NodeFanout fanout) {
    this.bus = bus;
    this.fanout = fanout;
  }

  /** A removal or a block was heard: visibility may have changed. */
  void visibilityChanged() {
    visibilityChanged = System.nanoTime();
  }

  /**
   * presence.watch {userIds} → {id: {online, status, lastSeen}}: replaces whose presence changes the
   * socket receives on its user address. Only people whose presence the user may see are watched
   * (and answered): they share a conversation with the user that they have accepted, and have not
   * blocked the user (thrume.store.contacts); the others are left out.
   */
  Future<Object> watch(ClientSocket socket, JsonObject body) {
    JsonArray ids;
    try {
      ids = new JsonArray(Fields.accountIds(Fields.requiredArray(body, "userIds").getList(), "userIds", MAX_WATCHED));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (ids.isEmpty()) {
      fanout.watch(socket, List.of());
      return Future.succeededFuture(new JsonObject());
    }
    // the limit and who may be watched first, then the watch, then the states: a change made meanwhile is either
    // in the answer or delivered after it, and nobody else's ever reaches the socket
    long asked = System.nanoTime();
    return Limits.take(bus, socket.userId, Action.WATCH)
      .compose(v -> visibleAmong(socket.userId, ids, asked, 3))
      .compose(contacts -> {
        JsonArray visible = contacts.copy();
        if (ids.contains(socket.userId)) {
          visible.add(new JsonObject().put("id", socket.userId));
        }
        List<String> watched = visible.stream().map(c -> ((JsonObject) c).getString("id")).toList();
        fanout.watch(socket, watched);
        if (visibilityChanged - asked >= 0) {
          // a removal or block was heard since the question: check the answer again
          recheck(socket, watched);
        }
        return bus.<JsonObject>request(Addresses.PRESENCE_STATES, new JsonObject().put("users", visible), Local.delivery());
      })
      .map(reply -> reply.body());
  }

  /**
   * [{id, lastSeen}…] of the ids whose presence the user may see (thrume.store.contacts), asked
   * again (up to {@code tries} times) when a removal or block was heard while the question was out.
   */
  private Future<JsonArray> visibleAmong(String userId, JsonArray ids, long asked, int tries) {
    return bus.<JsonObject>request(Addresses.STORE_CONTACTS, new JsonObject().put("userId", userId).put("among", ids),
      Local.delivery()).compose(reply -> tries > 1 && visibilityChanged - asked >= 0
        ? visibleAmong(userId, ids, System.nanoTime(), tries - 1)
        : Future.succeededFuture(reply.body().getJsonArray("contacts")));
  }

  /** Someone was blocked ({@link Addresses#BLOCKED}): the blocked user's sockets here stop watching the blocker. */
  void blocked(JsonObject body) {
    visibilityChanged();
    String blocker = body.getString("blockerId");
    fanout.forSocketsOf(body.getString("blockedId"), socket -> fanout.unwatch(socket, List.of(blocker)));
  }

  /**
   * Asks again whether the socket's user may see these users' presence, and stops watching those
   * who are no longer visible (all of them if the store cannot answer). On the socket's context.
   */
  void recheck(ClientSocket socket, Collection<String> userIds) {
    JsonArray among = new JsonArray();
    userIds.stream().filter(id -> !id.equals(socket.userId)).forEach(among::add);
    if (among.isEmpty()) {
      return;
    }
    bus.<JsonObject>request(Addresses.STORE_CONTACTS, new JsonObject().put("userId", socket.userId).put("among", among),
      Local.delivery()).onComplete(ar -> {
        Set<String> invisible = new HashSet<>();
        among.forEach(id -> invisible.add((String) id));
        if (ar.succeeded()) {
          ar.result().body().getJsonArray("contacts").forEach(c -> invisible.remove(((JsonObject) c).getString("id")));
        }
        if (!invisible.isEmpty() && !socket.isClosed()) {
          fanout.unwatch(socket, invisible);
        }
      });
  }
}

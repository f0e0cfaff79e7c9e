package io.thrume.bridge;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Local;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may register what and send where. conversation.&lt;id&gt; only for its participants,
 * user.&lt;id&gt; only for that user; inbound only the chat.* and presence.update addresses of
 * the contract. Participation is asked of the store once per user and conversation, then
 * remembered (nobody leaves a conversation in Thrume).
 */
final class BridgePolicy {
  private static final int MAX_REMEMBERED = 200_000;
  private final EventBus bus;
  private final Set<String> members = ConcurrentHashMap.newKeySet();

  BridgePolicy(EventBus bus) {
    this.bus = bus;
  }

  /** Succeeds when the user may receive what is published on the address; FORBIDDEN otherwise. */
  Future<Void> mayRegister(String userId, String address) {
    if (address.startsWith(Addresses.USER_PREFIX)) {
      return address.equals(Addresses.user(userId)) ? Future.succeededFuture()
        : Future.failedFuture(Failure.FORBIDDEN.exception("only your own user address"));
    }
    if (address.startsWith(Addresses.CONVERSATION_PREFIX)) {
      String id = address.substring(Addresses.CONVERSATION_PREFIX.length());
      if (!isUuid(id)) {
        return Future.failedFuture(Failure.FORBIDDEN.exception("no such conversation"));
      }
      String key = userId + "/" + id;
      if (members.contains(key)) {
        return Future.succeededFuture();
      }
      return bus.<JsonObject>request(Addresses.STORE_MEMBERSHIP, new JsonObject().put("userId", userId).put("conversationId", id),
          Local.delivery())
        .compose(reply -> {
          if (!reply.body().getBoolean("member")) {
            return Future.failedFuture(Failure.FORBIDDEN.exception("not a participant of this conversation"));
          }
          if (members.size() >= MAX_REMEMBERED) {
            members.clear();
          }
          members.add(key);
          return Future.succeededFuture();
        });
    }
    return Future.failedFuture(Failure.FORBIDDEN.exception("this address cannot be registered"));
  }

  boolean maySend(String address) {
    return Addresses.CLIENT_INBOUND.contains(address);
  }

  private static boolean isUuid(String s) {
    if (s.length() != 36) {
      return false;
    }
    try {
      UUID.fromString(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}

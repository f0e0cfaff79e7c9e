package io.thrume.chat;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.fanout.ClientEvent;
import io.thrume.fanout.Events;
import io.thrume.validate.Fields;
import io.thrume.validate.Text;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * chat.edit, chat.delete and chat.react (REST uses the same addresses): validate, rate-limit as
 * an action, change through the store, and after the commit publish one {@code message.updated}
 * event for each change that changed something.
 */
final class MessageChangeService {
  private final Vertx vertx;
  /** Takes the acting user's action allowance (a failed future when over it). */
  private final Function<String, Future<Void>> limit;
  private final Accepted accepted;

  /** What follows a change that accepted the conversation for an invited participant. */
  interface Accepted {
    /** @param since {@link Membership#now()} when the request started */
    void accepted(String conversationId, String userId, long since);
  }

  MessageChangeService(Vertx vertx, Function<String, Future<Void>> limit, Accepted accepted) {
    this.vertx = vertx;
    this.limit = limit;
    this.accepted = accepted;
  }

  void serve() {
    Handlers.serve(vertx.eventBus(), Addresses.CHAT_EDIT, this::edit);
    Handlers.serve(vertx.eventBus(), Addresses.CHAT_DELETE, this::delete);
    Handlers.serve(vertx.eventBus(), Addresses.CHAT_REACT, this::react);
  }

  /** {conversationId, seq, content} → the message, edited. */
  private Future<JsonObject> edit(Message<JsonObject> request) {
    JsonObject change = target(request).put("content", Text.content(Fields.requiredString(ChatRequests.body(request), "content")));
    return apply(Addresses.STORE_MESSAGE_EDIT, change);
  }

  /** {conversationId, seq} → the tombstone: content "", no reactions, deletedAt. */
  private Future<JsonObject> delete(Message<JsonObject> request) {
    return apply(Addresses.STORE_MESSAGE_DELETE, target(request));
  }

  /** {conversationId, seq, emoji, on} → the message with the user's reaction added (on) or taken back. */
  private Future<JsonObject> react(Message<JsonObject> request) {
    JsonObject body = ChatRequests.body(request);
    if (!(body.getValue("on") instanceof Boolean on)) {
      throw Failure.INVALID.exception("on must be true or false");
    }
    JsonObject change = target(request).put("emoji", Text.emoji(Fields.requiredString(body, "emoji"))).put("on", on);
    return apply(Addresses.STORE_MESSAGE_REACT, change);
  }

  /** The user, conversation and seq every change names. */
  private static JsonObject target(Message<JsonObject> request) {
    JsonObject body = ChatRequests.body(request);
    return new JsonObject().put("userId", ChatRequests.actingUser(request))
      .put("conversationId", Fields.requiredUuid(body, "conversationId").toString())
      .put("seq", Fields.requiredLong(body, "seq", 1, Long.MAX_VALUE));
  }

  private Future<JsonObject> apply(String storeAddress, JsonObject change) {
    String user = change.getString("userId");
    String conversationId = change.getString("conversationId");
    long since = Membership.now();
    return limit.apply(user)
      .compose(v -> vertx.eventBus().<JsonObject>request(storeAddress, change, Local.delivery()))
      .map(reply -> {
        JsonObject result = reply.body();
        JsonObject message = result.getJsonObject("message");
        if (result.getBoolean("accepted", false)) {
          accepted.accepted(conversationId, user, since);
        }
        if (result.getBoolean("changed")) {
          Events.publish(vertx.eventBus(), Addresses.conversation(conversationId), ClientEvent.messageUpdated(message));
        }
        return message;
      });
  }
}

package io.thrume.chat;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Reply;
import io.thrume.limit.TokenBuckets;
import io.thrume.validate.Fields;
import io.thrume.validate.Text;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The one path for what users do to conversations, whether it comes from REST or the bridge:
 * validate, rate-limit, persist through the store, and only after the commit publish the event.
 * The acting user is always the {@link Addresses#USER_HEADER} header, stamped by the server.
 */
public class ChatVerticle extends VerticleBase {
  static final int MAX_PARTICIPANTS = 1000;
  private static final long SWEEP_MS = 60_000;
  private TokenBuckets sends;

  @Override
  public Future<?> start() {
    ChatConfig config = ChatConfig.from(config());
    sends = new TokenBuckets(config.sendBurst(), config.sendPerSecond());
    vertx.setPeriodic(SWEEP_MS, id -> sends.sweep());
    EventBus bus = vertx.eventBus();
    Handlers.serve(bus, Addresses.CHAT_SEND, this::send);
    Handlers.serve(bus, Addresses.CHAT_READ, this::read);
    Handlers.serve(bus, Addresses.CHAT_CONVERSATION_CREATE, this::createConversation);
    return Future.succeededFuture();
  }

  /** {conversationId, content, clientMessageId} → the persisted message (header created: true|false). */
  private Future<Reply> send(Message<JsonObject> request) {
    String user = actingUser(request);
    JsonObject body = body(request);
    UUID conversationId = Fields.requiredUuid(body, "conversationId");
    String content = Text.content(Fields.requiredString(body, "content"));
    String clientMessageId = Text.clientMessageId(Fields.requiredString(body, "clientMessageId"));
    JsonObject insert = new JsonObject().put("senderId", user).put("conversationId", conversationId.toString())
      .put("content", content).put("clientMessageId", clientMessageId);
    long wait = sends.take(user);
    // over the limit, a retry of a message already stored still gets its answer; anything new waits
    Future<JsonObject> stored = wait == 0 ? store(Addresses.STORE_MESSAGE_INSERT, insert)
      : store(Addresses.STORE_MESSAGE_FIND, insert).compose(found -> found != null
        ? Future.succeededFuture(found) : Future.failedFuture(Failure.rateLimited(wait)));
    return stored.map(result -> {
      JsonObject message = result.getJsonObject("message");
      boolean created = result.getBoolean("created");
      if (created) {
        vertx.eventBus().publish(Addresses.conversation(conversationId.toString()),
          new JsonObject().put("type", "message").put("message", message));
      }
      return new Reply(message, new DeliveryOptions().addHeader(Addresses.CREATED_HEADER, Boolean.toString(created)));
    });
  }

  /** {conversationId, seq} → {conversationId, readSeq, unreadCount}; the marker only moves forward. */
  private Future<JsonObject> read(Message<JsonObject> request) {
    String user = actingUser(request);
    JsonObject body = body(request);
    UUID conversationId = Fields.requiredUuid(body, "conversationId");
    long seq = Fields.requiredLong(body, "seq", 0, Long.MAX_VALUE);
    JsonObject mark = new JsonObject().put("userId", user).put("conversationId", conversationId.toString()).put("seq", seq);
    return store(Addresses.STORE_READ_MARK, mark).map(result -> {
      long readSeq = result.getLong("readSeq");
      long unread = result.getLong("unreadCount");
      if (result.getBoolean("advanced")) {
        EventBus bus = vertx.eventBus();
        bus.publish(Addresses.conversation(conversationId.toString()),
          new JsonObject().put("type", "read").put("userId", user).put("seq", readSeq));
        bus.publish(Addresses.user(user), new JsonObject().put("type", "unread")
          .put("conversationId", conversationId.toString()).put("unreadCount", unread));
      }
      return new JsonObject().put("conversationId", conversationId.toString()).put("readSeq", readSeq)
        .put("unreadCount", unread);
    });
  }

  /** {participantIds, title?} → the conversation, announced on every participant's user address. */
  private Future<JsonObject> createConversation(Message<JsonObject> request) {
    String user = actingUser(request);
    JsonObject body = body(request);
    JsonArray ids = Fields.requiredArray(body, "participantIds");
    Set<String> people = new LinkedHashSet<>();
    people.add(user);
    for (Object id : ids) {
      if (!(id instanceof String s)) {
        throw Failure.INVALID.exception("participantIds must be an array of account ids");
      }
      people.add(Fields.uuid(s, "participantIds").toString());
    }
    if (people.size() > MAX_PARTICIPANTS) {
      throw Failure.INVALID.exception("participantIds allows at most " + MAX_PARTICIPANTS + " participants");
    }
    String title = Text.title(Fields.optionalString(body, "title"));
    JsonObject create = new JsonObject().put("creatorId", user).put("participantIds", new JsonArray(people.stream().toList()))
      .put("title", title);
    return store(Addresses.STORE_CONVERSATION_CREATE, create).onSuccess(conversation -> {
      JsonObject event = new JsonObject().put("type", "conversation.created").put("conversation", conversation);
      people.forEach(id -> vertx.eventBus().publish(Addresses.user(id), event));
    });
  }

  private Future<JsonObject> store(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(Message::body);
  }

  private static String actingUser(Message<?> request) {
    String user = request.headers().get(Addresses.USER_HEADER);
    if (user == null) {
      throw Failure.UNAUTHORIZED.exception("no authenticated user");
    }
    return user;
  }

  private static JsonObject body(Message<?> request) {
    if (!(request.body() instanceof JsonObject body)) {
      throw Failure.INVALID.exception("the body must be a JSON object");
    }
    return body;
  }
}

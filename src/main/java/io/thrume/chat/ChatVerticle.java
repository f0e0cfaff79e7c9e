package io.thrume.chat;

import io.thrume.fanout.ClientEvent;
import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.bus.Reply;
import io.thrume.fanout.Events;
import io.thrume.limit.Action;
import io.thrume.limit.Limits;
import io.thrume.limit.RateLimiter;
import io.thrume.metrics.ThrumeMetrics;
import io.thrume.model.Participant;
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
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The one path for what users do to conversations, whether it comes from REST or the bridge:
 * validate, rate-limit, persist through the store, and only after the commit publish the event.
 * The acting user is always the {@link Addresses#USER_HEADER} header, stamped by the server.
 */
public class ChatVerticle extends VerticleBase {
  static final int MAX_PARTICIPANTS = 1000;
  static final int MAX_SYNC_CONVERSATIONS = 100;
  static final int SYNC_PAGE = 100;
  /** Messages in one sync answer, all conversations together: what one answer costs the database. */
  static final int SYNC_MAX_MESSAGES = 200;
  /** A sync answer's bound in bytes (docs/bridge-protocol.md, "Limits": ≤ 1 MiB); hasMore tells the client to ask again. */
  static final int SYNC_MAX_BYTES = 1 << 20;
  /** Attachments on one message (docs/api.md, "Files"). */
  static final int MAX_ATTACHMENTS = 10;
  private RateLimiter sends;
  /** Typing, receipts and message changes (sync has a limit of its own): generous, but a client cannot flood the database or the bus. */
  private RateLimiter actions;
  private final Membership membership;
  private TypingState typing;
  private final ThrumeMetrics metrics;
  private final RateLimiter.Factory limits;

  /** @param membership the node's one memory of participation, shared with the bridge */
  public ChatVerticle(ThrumeMetrics metrics, RateLimiter.Factory limits, Membership membership) {
    this.metrics = metrics;
    this.limits = limits;
    this.membership = membership;
  }

  @Override
  public Future<?> start() {
    ChatConfig config = ChatConfig.from(config());
    sends = limits.create("sends", config.sendBurst(), config.sendPerSecond());
    actions = limits.create("actions", config.actionBurst(), config.actionPerSecond());
    typing = new TypingState(vertx, config.typingTimeoutMs());
    EventBus bus = vertx.eventBus();
    Handlers.serve(bus, Addresses.CHAT_SEND, this::send);
    Handlers.serve(bus, Addresses.CHAT_READ, this::read);
    Handlers.serve(bus, Addresses.CHAT_DELIVERED, this::delivered);
    Handlers.serve(bus, Addresses.CHAT_TYPING, this::typing);
    Handlers.serve(bus, Addresses.CHAT_SYNC, this::sync);
    Handlers.serve(bus, Addresses.CHAT_CONVERSATION_CREATE, this::createConversation);
    Handlers.serve(bus, Addresses.CHAT_CONVERSATION_ACCEPT, this::accept);
    Handlers.serve(bus, Addresses.CHAT_PARTICIPANT_REMOVE, this::removeParticipant);
    Handlers.serve(bus, Addresses.CHAT_PARTICIPANTS_ADD, this::addParticipants);
    Handlers.serve(bus, Addresses.CHAT_CONVERSATION_RENAME, this::rename);
    Handlers.serve(bus, Addresses.CHAT_BLOCK, this::block);
    Handlers.serve(bus, Addresses.CHAT_ATTACHMENT_CREATE, this::createAttachment);
    new MessageChangeService(vertx, this::limitActions, (conversationId, user, since) -> {
      membership.rememberAccepted(user, conversationId, since);
      publishAccepted(conversationId, user, 0, 0);
    }).serve();
    Handlers.serve(bus, Addresses.CHAT_MEMBERSHIP_REMOVED, m -> {
      forgetRemoved(m.body());
      return Future.succeededFuture(new JsonObject());
    });
    Handlers.serve(bus, Addresses.CHAT_SOCKET_CLOSED, m -> {
      typing.clearUser(m.body().getString("userId"));
      return Future.succeededFuture(new JsonObject());
    });
    return Future.succeededFuture();
  }

  /**
   * {conversationId, content, clientMessageId, replyToSeq?, attachmentIds?} → the persisted message
   * (header created: true|false). A participant's first message accepts the conversation for them
   * (participant.accepted). With attachments the content may be empty ("").
   */
  private Future<Reply> send(Message<JsonObject> request) {
    long received = System.nanoTime();
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    UUID conversationId = Fields.requiredUuid(body, "conversationId");
    List<String> attachmentIds = attachmentIds(body);
    String given = Fields.requiredString(body, "content");
    String content = given.isEmpty() && !attachmentIds.isEmpty() ? given : Text.content(given);
    String clientMessageId = Text.clientMessageId(Fields.requiredString(body, "clientMessageId"));
    JsonObject insert = new JsonObject().put("senderId", user).put("conversationId", conversationId.toString())
      .put("content", content).put("clientMessageId", clientMessageId);
    if (!attachmentIds.isEmpty()) {
      insert.put("attachmentIds", new JsonArray(attachmentIds));
    }
    if (body.getValue("replyToSeq") != null) {
      insert.put("replyToSeq", Fields.requiredLong(body, "replyToSeq", 1, Long.MAX_VALUE));
    }
    long since = Membership.now();
    // over the limit nothing reaches the database, a retry of a stored message included: it is
    // answered once the user may send again
    Future<JsonObject> stored = sends.take(user).compose(wait -> wait == 0 ? store(Addresses.STORE_MESSAGE_INSERT, insert)
      : Future.failedFuture(Failure.rateLimited(wait)));
    return stored.map(result -> {
      JsonObject message = result.getJsonObject("message");
      boolean created = result.getBoolean("created");
      if (created) {
        membership.rememberAccepted(user, conversationId.toString(), since);
        typing.stop(conversationId.toString(), user);
        if (result.getBoolean("accepted", false)) {
          publishAccepted(conversationId.toString(), user, 0, 0);
        }
        metrics.persisted(received);
      }
      // a repeat is published again: whoever stored it may have died between the commit and the
      // publish (or the client lost the first answer in an outage), and in a quiet conversation
      // nothing else would bring it to the live members. Who has it drops it: every node's
      // sequencer by seq, clients by id.
      Events.publish(vertx.eventBus(), Addresses.conversation(conversationId.toString()),
        ClientEvent.message(message));
      return new Reply(message, new DeliveryOptions().addHeader(Addresses.CREATED_HEADER, Boolean.toString(created)));
    });
  }

  /** attachmentIds: absent, null or up to {@value #MAX_ATTACHMENTS} distinct attachment ids (INVALID otherwise). */
  static List<String> attachmentIds(JsonObject body) {
    Object value = body.getValue("attachmentIds");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray ids)) {
      throw Failure.INVALID.exception("attachmentIds must be an array of attachment ids");
    }
    if (ids.size() > MAX_ATTACHMENTS) {
      throw Failure.INVALID.exception("a message takes at most " + MAX_ATTACHMENTS + " attachments");
    }
    Set<String> distinct = new LinkedHashSet<>();
    for (Object id : ids) {
      if (!(id instanceof String s) || !Fields.isUuid(s)) {
        throw Failure.INVALID.exception("attachmentIds must be an array of attachment ids");
      }
      if (!distinct.add(UUID.fromString(s).toString())) {
        throw Failure.INVALID.exception("attachmentIds must not name a file twice");
      }
    }
    return List.copyOf(distinct);
  }

  /**
   * {conversationId, name, contentType, sha256, data} → {id, name, size, contentType, sha256, url}:
   * a file the HTTP edge streamed in (its size limit, name and type rules applied there), stored
   * for the conversation's participants. Uploading accepts the conversation for an invited
   * participant (participant.accepted), as sending does. NOT_FOUND for a non-participant.
   */
  private Future<JsonObject> createAttachment(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    String conversationId = Fields.requiredUuid(body, "conversationId").toString();
    io.vertx.core.buffer.Buffer data = body.getBuffer("data");
    if (data == null || data.length() == 0) {
      throw Failure.INVALID.exception("the file is empty");
    }
    JsonObject create = new JsonObject().put("userId", user).put("conversationId", conversationId)
      .put("name", Fields.requiredString(body, "name")).put("contentType", Fields.requiredString(body, "contentType"))
      .put("sha256", Fields.requiredString(body, "sha256")).put("data", data);
    long since = Membership.now();
    return store(Addresses.STORE_ATTACHMENT_CREATE, create).map(result -> {
      if (result.getBoolean("accepted")) {
        membership.rememberAccepted(user, conversationId, since);
        publishAccepted(conversationId, user, 0, 0);
      }
      return result.getJsonObject("attachment");
    });
  }

  /**
   * {conversationId, seq} → {conversationId, readSeq, unreadCount}; the marker only moves forward.
   * The conversation hears of it (read) only once the reader has accepted it.
   */
  private Future<JsonObject> read(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    UUID conversationId = Fields.requiredUuid(body, "conversationId");
    long seq = Fields.requiredLong(body, "seq", 0, Long.MAX_VALUE);
    JsonObject mark = new JsonObject().put("userId", user).put("conversationId", conversationId.toString()).put("seq", seq);
    return limitActions(user).compose(v -> store(Addresses.STORE_READ_MARK, mark)).map(result -> {
      long readSeq = result.getLong("readSeq");
      long unread = result.getLong("unreadCount");
      if (result.getBoolean("advanced")) {
        EventBus bus = vertx.eventBus();
        if (result.getBoolean("accepted", true)) {
          Events.publish(bus, Addresses.conversation(conversationId.toString()),
            ClientEvent.read(user, readSeq));
        }
        Events.publish(bus, Addresses.user(user), ClientEvent.unread(conversationId.toString(), unread));
      }
      return new JsonObject().put("conversationId", conversationId.toString()).put("readSeq", readSeq)
        .put("unreadCount", unread);
    });
  }

  /**
   * {conversationId, seq} → {conversationId, deliveredSeq}; the marker only moves forward. The
   * conversation hears of it (delivered) only once the user has accepted it.
   */
  private Future<JsonObject> delivered(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    String conversationId = Fields.requiredUuid(body, "conversationId").toString();
    long seq = Fields.requiredLong(body, "seq", 0, Long.MAX_VALUE);
    JsonObject mark = new JsonObject().put("userId", user).put("conversationId", conversationId).put("seq", seq);
    return limitActions(user).compose(v -> store(Addresses.STORE_DELIVERED_MARK, mark)).map(result -> {
      if (result.getBoolean("advanced") && result.getBoolean("accepted", true)) {
        Events.publish(vertx.eventBus(), Addresses.conversation(conversationId),
          ClientEvent.delivered(user, seq));
      }
      return new JsonObject().put("conversationId", conversationId).put("deliveredSeq", seq);
    });
  }

  /**
   * {conversationId, typing} → {}: publishes typing events; the state ends by itself after a
   * silence. An invited participant's typing is answered {} and told to nobody (silent): typing
   * comes before the message that accepts the conversation, and refusing it would only make
   * clients show errors.
   */
  private Future<JsonObject> typing(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    String conversationId = Fields.requiredUuid(body, "conversationId").toString();
    Object flag = body.getValue("typing");
    if (!(flag instanceof Boolean isTyping)) {
      throw Failure.INVALID.exception("typing must be true or false");
    }
    return limitActions(user).compose(v -> membership.status(user, conversationId)).map(status -> {
      if (status == Membership.Status.INVITED) {
        return new JsonObject();
      }
      if (isTyping) {
        typing.start(conversationId, user);
      } else {
        typing.stop(conversationId, user);
      }
      return new JsonObject();
    });
  }

  /**
   * {positions: {conversationId: lastSeq}, changes?: {conversationId: lastChange}} →
   * {conversations: {id: {messages, hasMore, lastSeq, changed?, changedHasMore?, lastChange?}}}:
   * what the user missed after each position, up to a page per conversation: 100 messages, or 200
   * shared among the conversations asked, within 1 MiB (ask again from the last seq received while
   * hasMore). Conversations the user is not in are left out.
   */
  private Future<JsonObject> sync(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    JsonObject clean = positions(body, "positions", "lastSeq", true);
    JsonObject changes = positions(body, "changes", "lastChange", false);
    Set<String> asked = new LinkedHashSet<>(clean.fieldNames());
    asked.addAll(changes.fieldNames());
    if (asked.size() > MAX_SYNC_CONVERSATIONS) {
      throw Failure.INVALID.exception("positions and changes allow at most " + MAX_SYNC_CONVERSATIONS + " conversations together");
    }
    if (asked.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("conversations", new JsonObject()));
    }
    return Limits.take(vertx.eventBus(), user, Action.SYNC).compose(v -> store(Addresses.STORE_MESSAGE_SYNC,
      new JsonObject().put("userId", user).put("positions", clean).put("changes", changes)
        .put("limit", Math.max(1, Math.min(SYNC_PAGE, SYNC_MAX_MESSAGES / (clean.size() + changes.size()))))
        .put("maxBytes", SYNC_MAX_BYTES)));
  }

  /** {conversationId: whole number ≥ 0} under {@code field}, checked; absent is empty unless required. */
  private static JsonObject positions(JsonObject body, String field, String what, boolean required) {
    Object raw = body.getValue(field);
    if (raw == null && !required) {
      return new JsonObject();
    }
    if (!(raw instanceof JsonObject positions)) {
      throw Failure.INVALID.exception(field + " must be an object of conversationId: " + what);
    }
    if (positions.size() > MAX_SYNC_CONVERSATIONS) {
      throw Failure.INVALID.exception(field + " allows at most " + MAX_SYNC_CONVERSATIONS + " conversations");
    }
    JsonObject clean = new JsonObject();
    for (String id : positions.fieldNames()) {
      clean.put(Fields.uuid(id, field).toString(), Fields.requiredLong(positions, id, 0, Long.MAX_VALUE));
    }
    return clean;
  }

  private Future<Void> limitActions(String user) {
    return actions.take(user)
      .compose(wait -> wait > 0 ? Future.failedFuture(Failure.rateLimited(wait)) : Future.succeededFuture());
  }

  /**
   * {participantIds, title?} → the conversation, announced on every participant's user address
   * (each with their own myStatus: the creator accepted, the others invited). FORBIDDEN when one of
   * them has blocked the creator.
   */
  private Future<JsonObject> createConversation(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
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
    long since = Membership.now();
    return Limits.take(vertx.eventBus(), user, Action.CREATE_CONVERSATION)
      .compose(v -> store(Addresses.STORE_CONVERSATION_CREATE, create)).onSuccess(conversation -> {
      String conversationId = conversation.getString("id");
      membership.rememberAccepted(user, conversationId, since);
      JsonObject invited = conversation.copy().put("myStatus", Participant.INVITED);
      people.forEach(person -> Events.publish(vertx.eventBus(), Addresses.user(person),
        ClientEvent.conversationCreated(person.equals(user) ? conversation : invited)));
    });
  }

  /**
   * {conversationId} → the conversation: an invited participant accepts it (accepting again
   * changes nothing). The conversation hears participant.accepted, and the markers the user moved
   * while invited (read, delivered), which nobody was told of then.
   */
  private Future<JsonObject> accept(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    String conversationId = Fields.requiredUuid(ChatRequests.body(request), "conversationId").toString();
    long since = Membership.now();
    return Limits.take(vertx.eventBus(), user, Action.MEMBERSHIP)
      .compose(v -> store(Addresses.STORE_CONVERSATION_ACCEPT, new JsonObject().put("userId", user)
        .put("conversationId", conversationId)))
      .map(result -> {
        membership.rememberAccepted(user, conversationId, since);
        if (result.getBoolean("accepted")) {
          publishAccepted(conversationId, user, result.getLong("readSeq"), result.getLong("deliveredSeq"));
        }
        return result.getJsonObject("conversation");
      });
  }

  private void publishAccepted(String conversationId, String user, long readSeq, long deliveredSeq) {
    EventBus bus = vertx.eventBus();
    String address = Addresses.conversation(conversationId);
    Events.publish(bus, address, ClientEvent.participantAccepted(user));
    if (deliveredSeq > readSeq) {
      Events.publish(bus, address, ClientEvent.delivered(user, deliveredSeq));
    }
    if (readSeq > 0) {
      Events.publish(bus, address, ClientEvent.read(user, readSeq));
    }
  }

  /**
   * {conversationId, userId} → {}: "me" leaves the conversation (any participant); an account id
   * removes that participant (its creator only; FORBIDDEN otherwise; your own id is INVALID: leave
   * with "me"). After the commit: participants {added: [], removed, by} on the conversation, the
   * removal to every node's bridge (sockets off the conversation, views ended, memberships
   * forgotten) and conversation.removed on the removed user's address.
   */
  private Future<JsonObject> removeParticipant(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    String conversationId = Fields.requiredUuid(body, "conversationId").toString();
    String raw = Fields.requiredString(body, "userId");
    String target;
    if ("me".equals(raw)) {
      target = user;
    } else {
      target = Fields.uuid(raw, "userId").toString();
      if (target.equals(user)) {
        throw Failure.INVALID.exception("userId is your own id: to leave the conversation, use \"me\"");
      }
    }
    EventBus bus = vertx.eventBus();
    return Limits.take(bus, user, Action.MEMBERSHIP)
      .compose(v -> store(Addresses.STORE_PARTICIPANT_REMOVE, new JsonObject().put("userId", user)
        .put("conversationId", conversationId).put("targetId", target)))
      .map(result -> {
        JsonArray removed = result.getJsonArray("removed");
        Events.publish(bus, Addresses.conversation(conversationId), ClientEvent.participants(new JsonArray(), removed, user));
        Events.broadcast(bus, Addresses.MEMBERSHIP_REMOVED, new JsonObject().put("conversationId", conversationId)
          .put("userIds", removed));
        removed.forEach(id -> Events.publish(bus, Addresses.user((String) id), ClientEvent.conversationRemoved(conversationId)));
        return new JsonObject();
      });
  }

  /**
   * {conversationId, userIds} → the conversation: an accepted participant adds people (invited;
   * those already in are ignored). After the commit: participants {added: [account…], removed: [],
   * by} on the conversation and conversation.created (myStatus invited) on each added user's
   * address. Nothing is published when nobody new was added.
   */
  private Future<JsonObject> addParticipants(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    String conversationId = Fields.requiredUuid(body, "conversationId").toString();
    List<String> ids = Fields.accountIds(Fields.requiredArray(body, "userIds").getList(), "userIds", MAX_PARTICIPANTS);
    if (ids.isEmpty()) {
      throw Failure.INVALID.exception("userIds must name at least one account");
    }
    EventBus bus = vertx.eventBus();
    return Limits.take(bus, user, Action.MEMBERSHIP)
      .compose(v -> store(Addresses.STORE_PARTICIPANTS_ADD, new JsonObject().put("userId", user)
        .put("conversationId", conversationId).put("userIds", new JsonArray(ids)).put("max", MAX_PARTICIPANTS)))
      .map(result -> {
        JsonObject conversation = result.getJsonObject("conversation");
        JsonArray added = result.getJsonArray("added");
        if (!added.isEmpty()) {
          Events.publish(bus, Addresses.conversation(conversationId), ClientEvent.participants(added, new JsonArray(), user));
          JsonObject invited = conversation.copy().put("myStatus", Participant.INVITED);
          added.forEach(a -> Events.publish(bus, Addresses.user(((JsonObject) a).getString("id")),
            ClientEvent.conversationCreated(invited)));
        }
        return conversation;
      });
  }

  /**
   * {conversationId, title} → the conversation: an accepted participant renames it (the title rules
   * of creation; blank or absent removes the title). After the commit: conversation.updated on the
   * conversation, its conversation without myStatus (which is each reader's own).
   */
  private Future<JsonObject> rename(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    String conversationId = Fields.requiredUuid(body, "conversationId").toString();
    if (!body.containsKey("title")) {
      throw Failure.INVALID.exception("title is required (null or blank removes it)");
    }
    String title = Text.title(Fields.optionalString(body, "title"));
    EventBus bus = vertx.eventBus();
    return Limits.take(bus, user, Action.MEMBERSHIP)
      .compose(v -> store(Addresses.STORE_CONVERSATION_RENAME, new JsonObject().put("userId", user)
        .put("conversationId", conversationId).put("title", title)))
      .onSuccess(conversation -> {
        JsonObject shared = conversation.copy();
        shared.remove("myStatus");
        Events.publish(bus, Addresses.conversation(conversationId), ClientEvent.conversationUpdated(shared));
      });
  }

  /**
   * Every node's bridge passes removals on ({@link Addresses#CHAT_MEMBERSHIP_REMOVED}) once it has
   * forgotten their membership (the node's one {@link Membership}): their typing ends.
   */
  private void forgetRemoved(JsonObject body) {
    String conversationId = body.getString("conversationId");
    body.getJsonArray("userIds").forEach(o -> typing.stop(conversationId, (String) o));
  }

  /**
   * {userId, blocked} → {}: blocks or unblocks someone (idempotent). Blocking yourself is INVALID,
   * an unknown account NOT_FOUND. A new block reaches every node: the blocked user's sockets stop
   * watching the blocker.
   */
  private Future<JsonObject> block(Message<JsonObject> request) {
    String user = ChatRequests.actingUser(request);
    JsonObject body = ChatRequests.body(request);
    String target = Fields.requiredUuid(body, "userId").toString();
    if (!(body.getValue("blocked") instanceof Boolean blocked)) {
      throw Failure.INVALID.exception("blocked must be true or false");
    }
    if (target.equals(user)) {
      throw Failure.INVALID.exception("you cannot block yourself");
    }
    EventBus bus = vertx.eventBus();
    JsonObject pair = new JsonObject().put("blockerId", user).put("blockedId", target);
    return Limits.take(bus, user, Action.MEMBERSHIP)
      .compose(v -> store(blocked ? Addresses.STORE_BLOCK_PUT : Addresses.STORE_BLOCK_DELETE, pair))
      .map(result -> {
        if (blocked && result.getBoolean("added")) {
          Events.broadcast(bus, Addresses.BLOCKED, pair);
        }
        return new JsonObject();
      });
  }

  private Future<JsonObject> store(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, Local.delivery()).map(Message::body);
  }
}

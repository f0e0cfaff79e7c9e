package io.thrume.fanout;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Every event clients receive (docs/bridge-protocol.md, "Events a client receives"), built here and only here: its body
 * {type, …}, its kind for the slow-consumer policy and, for a message, its seq. {@link Events}
 * publishes it by these fields; nothing parses a body to learn what it is.
 */
public record ClientEvent(JsonObject body, EventKind kind, long seq) {
  /** {@link #seq()} of an event that is not a message. */
  static final long NO_SEQ = -1;

  private static ClientEvent of(JsonObject body) {
    return new ClientEvent(body, EventKind.ESSENTIAL, NO_SEQ);
  }

  private static JsonObject type(String type) {
    return new JsonObject().put("type", type);
  }

  /** {type: "message", message} on conversation.&lt;id&gt;. */
  public static ClientEvent message(JsonObject message) {
    return new ClientEvent(type("message").put("message", message), EventKind.ESSENTIAL, message.getLong("seq"));
  }

  /** {type: "message.updated", message}: an edit, delete or reaction, the message as it is now. */
  public static ClientEvent messageUpdated(JsonObject message) {
    return of(type("message.updated").put("message", message));
  }

  /** {type: "typing", userId, typing}: what a slow socket may drop. */
  public static ClientEvent typing(String userId, boolean typing) {
    return new ClientEvent(type("typing").put("userId", userId).put("typing", typing), EventKind.TYPING, NO_SEQ);
  }

  /** {type: "read", userId, seq}. */
  public static ClientEvent read(String userId, long seq) {
    return of(type("read").put("userId", userId).put("seq", seq));
  }

  /** {type: "delivered", userId, seq}. */
  public static ClientEvent delivered(String userId, long seq) {
    return of(type("delivered").put("userId", userId).put("seq", seq));
  }

  /** {type: "unread", conversationId, unreadCount} on the reader's user.&lt;id&gt;. */
  public static ClientEvent unread(String conversationId, long unreadCount) {
    return of(type("unread").put("conversationId", conversationId).put("unreadCount", unreadCount));
  }

  /** {type: "participant.accepted", userId}. */
  public static ClientEvent participantAccepted(String userId) {
    return of(type("participant.accepted").put("userId", userId));
  }

  /** {type: "participants", added, removed, by}. */
  public static ClientEvent participants(JsonArray added, JsonArray removed, String by) {
    return of(type("participants").put("added", added).put("removed", removed).put("by", by));
  }

  /** {type: "conversation.created", conversation} on user.&lt;id&gt;. */
  public static ClientEvent conversationCreated(JsonObject conversation) {
    return of(type("conversation.created").put("conversation", conversation));
  }

  /** {type: "conversation.updated", conversation} on conversation.&lt;id&gt;: it was renamed (conversation without myStatus). */
  public static ClientEvent conversationUpdated(JsonObject conversation) {
    return of(type("conversation.updated").put("conversation", conversation));
  }

  /** {type: "conversation.removed", conversationId} on user.&lt;id&gt;. */
  public static ClientEvent conversationRemoved(String conversationId) {
    return of(type("conversation.removed").put("conversationId", conversationId));
  }

  /**
   * Who came to or left a conversation's view: {type: "user.joined" | "user.left", userId} for one
   * user, {type: "viewers", joined, left} for several at once; null for nobody.
   */
  public static ClientEvent viewers(List<String> joined, List<String> left) {
    int changes = joined.size() + left.size();
    if (changes == 0) {
      return null;
    }
    if (changes == 1) {
      return of(type(joined.isEmpty() ? "user.left" : "user.joined").put("userId", joined.isEmpty() ? left.get(0) : joined.get(0)));
    }
    return of(type("viewers").put("joined", new JsonArray(joined)).put("left", new JsonArray(left)));
  }

  /** {type: "presence", userId, online, status, lastSeen}: what a slow socket may coalesce. */
  public static ClientEvent presence(String userId, boolean online, String status, String lastSeen) {
    return new ClientEvent(type("presence").put("userId", userId).put("online", online).put("status", status)
      .put("lastSeen", lastSeen), EventKind.PRESENCE, NO_SEQ);
  }
}

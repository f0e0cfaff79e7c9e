package io.thrume.store;

import io.thrume.bus.Failure;
import io.thrume.model.Message;
import io.thrume.model.Participant;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Edits, deletes and reactions, each in one transaction under the conversation's row lock (the
 * lock inserts take too), so that the conversation's change counter gives every change the next
 * changeSeq, gap-free. A request that changes nothing (a reaction already there, a delete of a
 * deleted message, an edit to the same text) takes no changeSeq and answers the message as it is.
 */
final class MessageChanges {
  // the caller's participation, under the conversation's lock
  private static final String LOCK =
    "SELECT p.status FROM conversation c JOIN participant p ON p.conversation_id = c.id AND p.account_id = $2 "
      + "WHERE c.id = $1 FOR NO KEY UPDATE OF c";
  private static final String TARGET =
    "SELECT sender_id, content, deleted_at, reactions FROM message WHERE conversation_id = $1 AND seq = $2";
  private static final String NEXT_CHANGE =
    "UPDATE conversation SET last_change = last_change + 1 WHERE id = $1 RETURNING last_change";
  private static final String EDIT =
    "UPDATE message SET content = $3, edited_at = now(), change_seq = $4 WHERE conversation_id = $1 AND seq = $2";
  // the message's attachments go too: deleted content is gone from the database, files included
  private static final String DELETE =
    "WITH files AS (DELETE FROM attachment WHERE conversation_id = $1 AND message_seq = $2) "
      + "UPDATE message SET content = '', reactions = '{}', deleted_at = now(), change_seq = $3 "
      + "WHERE conversation_id = $1 AND seq = $2";
  private static final String REACT =
    "UPDATE message SET reactions = $3, change_seq = $4 WHERE conversation_id = $1 AND seq = $2";
  private static final String ACCEPT =
    "UPDATE participant SET status = 'accepted' WHERE conversation_id = $1 AND account_id = $2 AND status = 'invited'";
  private static final String READ =
    "SELECT " + MessageStore.COLUMNS + " FROM message m JOIN account a ON a.id = m.sender_id "
      + "WHERE m.conversation_id = $1 AND m.seq = $2";
  private static final String LAST_CHANGE =
    "SELECT c.last_change FROM conversation c JOIN participant p ON p.conversation_id = c.id AND p.account_id = $2 "
      + "WHERE c.id = $1";
  private static final String CHANGED_AFTER =
    "SELECT " + MessageStore.COLUMNS + " FROM message m JOIN account a ON a.id = m.sender_id "
      + "WHERE m.conversation_id = $1 AND m.change_seq > $2 ORDER BY m.change_seq LIMIT $3";
  /** Distinct reactions one message may carry. */
  static final int MAX_REACTIONS = 20;

  private final Pool pool;
  private final Message.Urls urls;

  MessageChanges(Pool pool, Message.Urls urls) {
    this.pool = pool;
    this.urls = urls;
  }

  /** What a change request decided about the message it found. */
  private interface Change {
    /** The statement and arguments that make the change, or null when nothing changes. */
    Tuple apply(UUID conversation, long seq, Row target, long changeSeq);

    String statement();

    /** Refuses the request (FORBIDDEN, CONFLICT…) or passes. */
    void check(Row target);

    /** True when the change would change nothing. */
    boolean unchanged(Row target);
  }

  /** {userId, conversationId, seq, content} → {message, changed}. Sender only; a deleted message cannot be edited. */
  Future<JsonObject> edit(JsonObject body) {
    String content = body.getString("content");
    UUID user = UUID.fromString(body.getString("userId"));
    return change(body, false, new Change() {
      public void check(Row target) {
        senderOnly(target, user, "edit");
        if (target.getOffsetDateTime("deleted_at") != null) {
          throw Failure.CONFLICT.exception("a deleted message cannot be edited");
        }
      }

      public boolean unchanged(Row target) {
        return content.equals(target.getString("content"));
      }

      public String statement() {
        return EDIT;
      }

      public Tuple apply(UUID conversation, long seq, Row target, long changeSeq) {
        return Tuple.of(conversation, seq, content, changeSeq);
      }
    });
  }

  /** {userId, conversationId, seq} → {message (the tombstone), changed}. Sender only; deleting again changes nothing. */
  Future<JsonObject> delete(JsonObject body) {
    UUID user = UUID.fromString(body.getString("userId"));
    return change(body, false, new Change() {
      public void check(Row target) {
        senderOnly(target, user, "delete");
      }

      public boolean unchanged(Row target) {
        return target.getOffsetDateTime("deleted_at") != null;
      }

      public String statement() {
        return DELETE;
      }

      public Tuple apply(UUID conversation, long seq, Row target, long changeSeq) {
        return Tuple.of(conversation, seq, changeSeq);
      }
    });
  }

  /**
   * {userId, conversationId, seq, emoji, on} → {message, changed, accepted}. Any participant;
   * reacting accepts the conversation for an invited one. Not on a deleted message (CONFLICT); at
   * most {@value #MAX_REACTIONS} distinct emoji on a message (INVALID).
   */
  Future<JsonObject> react(JsonObject body) {
    String user = body.getString("userId");
    String emoji = body.getString("emoji");
    boolean on = body.getBoolean("on");
    return change(body, true, new Change() {
      public void check(Row target) {
        if (target.getOffsetDateTime("deleted_at") != null) {
          throw Failure.CONFLICT.exception("a deleted message takes no reactions");
        }
        JsonObject reactions = reactions(target);
        if (on && !reactions.containsKey(emoji) && reactions.size() >= MAX_REACTIONS) {
          throw Failure.INVALID.exception("a message takes at most " + MAX_REACTIONS + " different reactions");
        }
      }

      public boolean unchanged(Row target) {
        JsonArray users = reactions(target).getJsonArray(emoji, new JsonArray());
        return users.contains(user) == on;
      }

      public String statement() {
        return REACT;
      }

      public Tuple apply(UUID conversation, long seq, Row target, long changeSeq) {
        JsonObject reactions = reactions(target).copy();
        JsonArray users = reactions.getJsonArray(emoji, new JsonArray());
        if (on) {
          reactions.put(emoji, users.add(user));
        } else {
          users.remove(user);
          if (users.isEmpty()) {
            reactions.remove(emoji);
          } else {
            reactions.put(emoji, users);
          }
        }
        return Tuple.of(conversation, seq, reactions, changeSeq);
      }
    });
  }

  private static JsonObject reactions(Row target) {
    Object value = target.getValue("reactions");
    return value instanceof JsonObject r ? r : new JsonObject();
  }

  private static void senderOnly(Row target, UUID user, String what) {
    if (!user.equals(target.getUUID("sender_id"))) {
      throw Failure.FORBIDDEN.exception("only its sender may " + what + " a message");
    }
  }

  /**
   * The transaction every change shares: lock the conversation (NOT_FOUND for a non-participant),
   * find the message (NOT_FOUND), check, and unless nothing changes take the next changeSeq and
   * apply. {@code accepting}: the change accepts the conversation for an invited participant.
   */
  private Future<JsonObject> change(JsonObject body, boolean accepting, Change change) {
    UUID conversation = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    long seq = body.getLong("seq");
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK).execute(Tuple.of(conversation, user)).compose(member -> {
      if (member.size() == 0) {
        return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
      }
      boolean invited = Participant.INVITED.equals(member.iterator().next().getString("status"));
      return conn.preparedQuery(TARGET).execute(Tuple.of(conversation, seq)).compose(found -> {
        if (found.size() == 0) {
          return Future.failedFuture(Failure.NOT_FOUND.exception("message not found"));
        }
        Row target = found.iterator().next();
        change.check(target);
        boolean accepts = accepting && invited;
        if (change.unchanged(target)) {
          return read(conn, conversation, seq, false, false);
        }
        Future<?> accepted = accepts ? conn.preparedQuery(ACCEPT).execute(Tuple.of(conversation, user)) : Future.succeededFuture();
        return accepted.compose(v -> conn.preparedQuery(NEXT_CHANGE).execute(Tuple.of(conversation)))
          .compose(next -> conn.preparedQuery(change.statement())
            .execute(change.apply(conversation, seq, target, next.iterator().next().getLong("last_change"))))
          .compose(v -> read(conn, conversation, seq, true, accepts));
      });
    }));
  }

  private Future<JsonObject> read(SqlConnection conn, UUID conversation, long seq, boolean changed, boolean accepted) {
    return conn.preparedQuery(READ).execute(Tuple.of(conversation, seq)).map(rows ->
      new JsonObject().put("message", Message.fromRow(rows.iterator().next()).toJson(urls)).put("changed", changed)
        .put("accepted", accepted));
  }

  /**
   * {userId, conversationId, after, limit} → {messages, lastChange, hasMore}: the messages changed
   * after the change counter was at {@code after}, in changeSeq order, each as it is now.
   */
  Future<JsonObject> changes(JsonObject body) {
    UUID conversation = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    long after = body.getLong("after");
    int limit = body.getInteger("limit");
    return pool.preparedQuery(LAST_CHANGE).execute(Tuple.of(conversation, user)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
      }
      long lastChange = rows.iterator().next().getLong("last_change");
      return pool.preparedQuery(CHANGED_AFTER).execute(Tuple.of(conversation, after, limit + 1)).map(changed -> {
        JsonArray messages = new JsonArray();
        changed.forEach(row -> messages.add(Message.fromRow(row).toJson(urls)));
        boolean hasMore = messages.size() > limit;
        if (hasMore) {
          messages.remove(messages.size() - 1);
        }
        return new JsonObject().put("messages", messages).put("lastChange", lastChange).put("hasMore", hasMore);
      });
    });
  }
}

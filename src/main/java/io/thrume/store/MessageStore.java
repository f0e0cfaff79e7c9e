package io.thrume.store;

import io.thrume.bus.EncodedJson;
import io.thrume.bus.Failure;
import io.thrume.model.Message;
import io.thrume.model.Participant;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/** Messages: lookups by clientMessageId; pages by seq; read markers. Inserts: {@link MessageBatcher}. */
final class MessageStore {
  /**
   * What a message shows besides its ids and sender, for {@link Message#fromRow}: its changes, and
   * the sender and first 100 code points of the message it replies to, as that message is now.
   * No reactions and no attachments come back as NULL, not as '{}' and '[]': the client decodes
   * each JSONB value with a JSON parser of its own, two per message read (W4: 6 % of what a
   * session allocated), and most messages have neither.
   */
  static final String REPLY_COLUMNS =
    "m.edited_at, m.deleted_at, m.change_seq, NULLIF(m.reactions, '{}'::jsonb) AS reactions, m.reply_to_seq, "
      + "(SELECT r.sender_id FROM message r WHERE r.conversation_id = m.conversation_id AND r.seq = m.reply_to_seq) "
      + "AS reply_sender_id, "
      + "(SELECT left(r.content, 100) FROM message r WHERE r.conversation_id = m.conversation_id AND r.seq = m.reply_to_seq) "
      + "AS reply_excerpt";
  /** One attachment as a message shows it (signed URL added in Java), from an attachment row t. */
  static final String ATTACHMENT_JSON =
    "jsonb_build_object('id', t.id, 'name', t.name, 'size', t.size, 'contentType', t.content_type)";
  /** The message's attachments, in the order its send listed them; NULL for none. */
  static final String ATTACHMENTS =
    "(SELECT jsonb_agg(" + ATTACHMENT_JSON + " ORDER BY t.position) FROM attachment t "
      + "WHERE t.conversation_id = m.conversation_id AND t.message_seq = m.seq) AS attachments";
  static final String CHANGE_COLUMNS = REPLY_COLUMNS + ", " + ATTACHMENTS;
  /** The columns of a message but its attachments (the insert reads those from the request). */
  static final String COLUMNS_BUT_ATTACHMENTS =
    "m.id, m.conversation_id, m.seq, m.sender_id, a.display_name, m.content, m.sent_at, m.client_message_id, "
      + REPLY_COLUMNS;
  static final String COLUMNS = COLUMNS_BUT_ATTACHMENTS + ", " + ATTACHMENTS;
  private static final String MEMBERSHIP =
    "SELECT c.last_seq, p.read_seq, p.status FROM participant p JOIN conversation c ON c.id = p.conversation_id "
      + "WHERE p.conversation_id = $1 AND p.account_id = $2";
  private static final String PAGE_AFTER =
    "SELECT " + COLUMNS + " FROM message m JOIN account a ON a.id = m.sender_id "
      + "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3 ORDER BY m.seq ASC LIMIT $4";
  private static final String PAGE_BEFORE =
    "SELECT " + COLUMNS + " FROM message m JOIN account a ON a.id = m.sender_id "
      + "WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3";
  private static final String MARK_DELIVERED =
    "UPDATE participant SET delivered_seq = $3 WHERE conversation_id = $1 AND account_id = $2 AND delivered_seq < $3 "
      + "RETURNING delivered_seq";
  // Every conversation of the positions the user is in, with up to $4 messages after its position.
  private static final String SYNC =
    "SELECT pos.conversation_id AS position_id, c.last_seq AS conversation_last_seq, m.* "
      + "FROM unnest($2::uuid[], $3::bigint[]) AS pos (conversation_id, after_seq) "
      + "JOIN participant p ON p.conversation_id = pos.conversation_id AND p.account_id = $1 "
      + "JOIN conversation c ON c.id = pos.conversation_id "
      + "LEFT JOIN LATERAL (SELECT " + COLUMNS + " FROM message m JOIN account a ON a.id = m.sender_id "
      + "  WHERE m.conversation_id = pos.conversation_id AND m.seq > pos.after_seq ORDER BY m.seq LIMIT $4) m ON true "
      + "ORDER BY pos.conversation_id, m.seq";
  // The same for changes: per conversation, up to $4 messages changed after its position.
  private static final String SYNC_CHANGES =
    "SELECT pos.conversation_id AS position_id, c.last_change AS conversation_last_change, m.* "
      + "FROM unnest($2::uuid[], $3::bigint[]) AS pos (conversation_id, after_change) "
      + "JOIN participant p ON p.conversation_id = pos.conversation_id AND p.account_id = $1 "
      + "JOIN conversation c ON c.id = pos.conversation_id "
      + "LEFT JOIN LATERAL (SELECT " + COLUMNS + " FROM message m JOIN account a ON a.id = m.sender_id "
      + "  WHERE m.conversation_id = pos.conversation_id AND m.change_seq > pos.after_change ORDER BY m.change_seq LIMIT $4) m "
      + "ON true ORDER BY pos.conversation_id, m.change_seq";
  private static final String MARK_READ =
    "UPDATE participant SET read_seq = GREATEST(read_seq, $3), delivered_seq = GREATEST(delivered_seq, $3) "
      + "WHERE conversation_id = $1 AND account_id = $2 RETURNING read_seq";

  /** What a conversation's entry in a sync answer takes besides its messages, at most. */
  private static final int SYNC_ENTRY_BYTES = 100;
  private final Pool pool;
  private final Message.Urls urls;

  MessageStore(Pool pool, Message.Urls urls) {
    this.pool = pool;
    this.urls = urls;
  }

  /**
   * {conversationId, afterSeq, beforeSeq} → {messages}: the messages between two seqs, for the
   * fan-out filling a gap (internal: no user, so no membership check).
   */
  Future<JsonObject> range(JsonObject body) {
    UUID conversation = UUID.fromString(body.getString("conversationId"));
    long after = body.getLong("afterSeq");
    long before = body.getLong("beforeSeq");
    return pool.preparedQuery(PAGE_AFTER).execute(Tuple.of(conversation, after, before, (int) Math.max(0, before - after - 1)))
      .map(set -> {
        JsonArray out = new JsonArray();
        set.forEach(row -> out.add(Message.fromRow(row).toJson(urls)));
        return new JsonObject().put("messages", out);
      });
  }

  /**
   * {userId, conversationId, afterSeq?, beforeSeq?, limit} → {messages, hasMore}, seq ascending.
   * With afterSeq the page starts just after it (hasMore: newer ones remain); otherwise it ends
   * just before beforeSeq, or at the newest message (hasMore: older ones remain). Answered as
   * {@link EncodedJson}: the page only passes through on its way to the client.
   */
  Future<EncodedJson> page(JsonObject body) {
    UUID conversation = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    Long after = body.getLong("afterSeq");
    Long before = body.getLong("beforeSeq");
    int limit = body.getInteger("limit");
    return membership(conversation, user).compose(member -> {
      Future<RowSet<Row>> rows = after != null
        ? pool.preparedQuery(PAGE_AFTER).execute(Tuple.of(conversation, after, before == null ? Long.MAX_VALUE : before, limit + 1))
        : pool.preparedQuery(PAGE_BEFORE).execute(Tuple.of(conversation, before == null ? Long.MAX_VALUE : before, limit + 1));
      return rows.map(set -> {
        List<Message> messages = new ArrayList<>();
        set.forEach(row -> messages.add(Message.fromRow(row)));
        boolean hasMore = messages.size() > limit;
        if (hasMore) {
          messages.remove(messages.size() - 1);
        }
        if (after == null) {
          Collections.reverse(messages);
        }
        return AnswerText.page(messages, hasMore, urls);
      });
    });
  }

  /**
   * {userId, conversationId, seq} → {conversationId, readSeq, lastSeq, unreadCount, advanced, accepted}.
   * The marker only moves forward; a seq past the last message is INVALID. {@code accepted}: the
   * user has accepted the conversation (an invited user's markers move, but nobody is told).
   */
  Future<JsonObject> markRead(JsonObject body) {
    UUID conversation = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    long seq = body.getLong("seq");
    return markable(conversation, user, seq).compose(member -> {
      long lastSeq = member.getLong("last_seq");
      long before = member.getLong("read_seq");
      return pool.preparedQuery(MARK_READ).execute(Tuple.of(conversation, user, seq)).map(rows -> {
        long readSeq = rows.iterator().next().getLong("read_seq");
        return new JsonObject().put("conversationId", conversation.toString()).put("readSeq", readSeq)
          .put("lastSeq", lastSeq).put("unreadCount", Math.max(0, lastSeq - readSeq)).put("advanced", readSeq > before)
          .put("accepted", accepted(member));
      });
    });
  }

  /**
   * {userId, conversationId, seq} → {conversationId, deliveredSeq, advanced, accepted}. Forward
   * only; a seq past the last message is INVALID.
   */
  Future<JsonObject> markDelivered(JsonObject body) {
    UUID conversation = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    long seq = body.getLong("seq");
    return markable(conversation, user, seq).compose(member -> pool.preparedQuery(MARK_DELIVERED).execute(Tuple.of(conversation, user, seq)).map(rows ->
        new JsonObject().put("conversationId", conversation.toString()).put("deliveredSeq", seq)
          .put("advanced", rows.rowCount() > 0).put("accepted", accepted(member))));
  }

  /** The participant's row, when a marker may move to seq: a participant, and seq not past the last message. */
  private Future<Row> markable(UUID conversation, UUID user, long seq) {
    return membership(conversation, user).compose(member -> {
      long lastSeq = member.getLong("last_seq");
      return seq > lastSeq
        ? Future.failedFuture(Failure.INVALID.exception("seq must not exceed the conversation's last seq (" + lastSeq + ")"))
        : Future.succeededFuture(member);
    });
  }

  /**
   * {userId, positions: {conversationId: lastSeq}, changes?: {conversationId: lastChange}, limit,
   * maxBytes} → {conversations: {id: {messages, hasMore, lastSeq, changed?, changedHasMore?,
   * lastChange?}}}: per position up to {@code limit} messages after it, and per changes entry up to
   * {@code limit} messages changed after it (changeSeq order, as they are now). The whole answer
   * stays within maxBytes; hasMore / changedHasMore say ask again. Conversations the user is not in
   * are left out of the answer. Answered as {@link EncodedJson}, like a page.
   */
  Future<EncodedJson> sync(JsonObject body) {
    UUID user = UUID.fromString(body.getString("userId"));
    int limit = body.getInteger("limit");
    long maxBytes = body.getLong("maxBytes", Long.MAX_VALUE);
    AnswerText.Sync answer = new AnswerText.Sync(2);
    JsonObject positions = body.getJsonObject("positions", new JsonObject());
    JsonObject changes = body.getJsonObject("changes", new JsonObject());
    return read(NEW, user, positions, limit, maxBytes, answer)
      .compose(v -> read(CHANGED, user, changes, limit, maxBytes, answer))
      .map(v -> answer.text(urls));
  }

  /** One of sync's two reads (the index of its part): new messages after seq positions, or changed ones after change positions. */
  private record SyncRead(int index, String sql, String counterColumn, String counterField, String list, String more) {
  }

  private static final SyncRead NEW = new SyncRead(0, SYNC, "conversation_last_seq", "lastSeq", "messages", "hasMore");
  private static final SyncRead CHANGED =
    new SyncRead(1, SYNC_CHANGES, "conversation_last_change", "lastChange", "changed", "changedHasMore");

  /** Adds what the read finds after each position to the answer, within the answer's bounds. */
  private Future<Void> read(SyncRead read, UUID user, JsonObject positions, int limit, long maxBytes, AnswerText.Sync answer) {
    if (positions.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(read.sql()).execute(after(user, positions, limit)).map(rows -> {
      for (Row row : rows) {
        AnswerText.Part part = answer.part(row.getUUID("position_id").toString(), read.index(), read.counterField(),
          read.list(), read.more(), SYNC_ENTRY_BYTES);
        part.counter = row.getLong(read.counterColumn());
        page(part, row, limit, maxBytes, answer);
      }
      return null;
    });
  }

  /** ($1 user, $2 conversation ids, $3 positions, $4 limit + 1) from {conversationId: position}. */
  private static Tuple after(UUID user, JsonObject positions, int limit) {
    UUID[] ids = new UUID[positions.size()];
    Long[] after = new Long[positions.size()];
    int i = 0;
    for (String id : positions.fieldNames()) {
      ids[i] = UUID.fromString(id);
      after[i++] = positions.getLong(id);
    }
    return Tuple.of(user).addArrayOfUUID(ids).addArrayOfLong(after).addInteger(limit + 1);
  }

  /** Adds the row's message to the part, unless the page or the answer is full: then more = true. */
  private static void page(AnswerText.Part part, Row row, int limit, long maxBytes, AnswerText.Sync answer) {
    if (row.getUUID("id") == null) {
      return;
    }
    Message message = Message.fromRow(row);
    long size = message.maxEncodedBytes();
    if (part.messages.size() == limit || part.more || answer.bytes + size > maxBytes) {
      part.more = true;
    } else {
      part.messages.add(message);
      answer.bytes += size;
    }
  }

  private static boolean accepted(Row member) {
    return Participant.ACCEPTED.equals(member.getString("status"));
  }

  private Future<Row> membership(UUID conversation, UUID user) {
    return pool.preparedQuery(MEMBERSHIP).execute(Tuple.of(conversation, user)).compose(rows -> rows.size() == 0
      ? Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"))
      : Future.succeededFuture(rows.iterator().next()));
  }
}

package io.thrume.store;

import io.thrume.bus.Failure;
import io.thrume.model.Account;
import io.thrume.model.Conversation;
import io.thrume.model.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Conversations and their participants. */
final class ConversationStore {
  private static final String INSERT =
    "INSERT INTO conversation (title) VALUES ($1) RETURNING id, title, created_at, last_seq";
  private static final String ADD_PARTICIPANTS =
    "INSERT INTO participant (conversation_id, account_id) SELECT $1, a.id FROM account a WHERE a.id = ANY($2)";
  private static final String PARTICIPANTS =
    "SELECT p.conversation_id, a.id, a.username, a.display_name FROM participant p "
      + "JOIN account a ON a.id = p.account_id WHERE p.conversation_id = ANY($1) "
      + "ORDER BY p.joined_at, lower(a.username)";
  private static final String ONE =
    "SELECT c.id, c.title, c.created_at, c.last_seq FROM conversation c "
      + "JOIN participant p ON p.conversation_id = c.id AND p.account_id = $2 WHERE c.id = $1";
  private static final String LIST =
    "SELECT c.id, c.title, c.created_at, c.last_seq, p.read_seq, "
      + "m.id AS message_id, m.seq, m.sender_id, s.display_name, m.content, m.sent_at, m.client_message_id "
      + "FROM participant p JOIN conversation c ON c.id = p.conversation_id "
      + "LEFT JOIN message m ON m.conversation_id = c.id AND m.seq = c.last_seq "
      + "LEFT JOIN account s ON s.id = m.sender_id "
      + "WHERE p.account_id = $1 ORDER BY c.last_activity_at DESC, c.created_at DESC, c.id";

  private static final String MEMBER =
    "SELECT 1 FROM participant WHERE conversation_id = $1 AND account_id = $2";
  private static final String LAST_SEQS = "SELECT id, last_seq FROM conversation WHERE id = ANY($1)";
  // People who share a conversation with $1 (optionally only those among $2), with when they were last seen.
  private static final String CONTACTS =
    "SELECT DISTINCT a.id, a.last_seen_at FROM participant mine "
      + "JOIN participant theirs ON theirs.conversation_id = mine.conversation_id AND theirs.account_id <> mine.account_id "
      + "JOIN account a ON a.id = theirs.account_id "
      + "WHERE mine.account_id = $1 AND ($2::uuid[] IS NULL OR a.id = ANY($2))";

  private final Pool pool;

  ConversationStore(Pool pool) {
    this.pool = pool;
  }

  /** {creatorId, participantIds, title} → conversation; INVALID when a participant does not exist. */
  Future<JsonObject> create(JsonObject body) {
    Set<UUID> people = new LinkedHashSet<>();
    people.add(UUID.fromString(body.getString("creatorId")));
    body.getJsonArray("participantIds").forEach(id -> people.add(UUID.fromString((String) id)));
    UUID[] ids = people.toArray(UUID[]::new);
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT).execute(Tuple.of(body.getString("title")))
      .compose(rows -> {
        Row c = rows.iterator().next();
        UUID id = c.getUUID("id");
        return conn.preparedQuery(ADD_PARTICIPANTS).execute(Tuple.of(id).addArrayOfUUID(ids))
          .compose(added -> added.rowCount() != ids.length
            ? Future.failedFuture(Failure.INVALID.exception("participantIds contains an unknown account"))
            : participants(conn, new UUID[]{id}))
          .map(byConversation -> new Conversation(id, c.getString("title"), byConversation.get(id),
            c.getOffsetDateTime("created_at"), c.getLong("last_seq")).toJson());
      }));
  }

  /** {userId, conversationId} → conversation; NOT_FOUND when absent or the user is not in it. */
  Future<JsonObject> get(JsonObject body) {
    UUID id = UUID.fromString(body.getString("conversationId"));
    return pool.preparedQuery(ONE).execute(Tuple.of(id, UUID.fromString(body.getString("userId"))))
      .compose(rows -> {
        if (rows.size() == 0) {
          return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
        }
        Row c = rows.iterator().next();
        return participants(pool, new UUID[]{id}).map(byConversation -> new Conversation(id, c.getString("title"),
          byConversation.get(id), c.getOffsetDateTime("created_at"), c.getLong("last_seq")).toJson());
      });
  }

  /** {userId} → {conversations: [...]}, newest activity first, each with lastMessage and unreadCount. */
  Future<JsonObject> list(JsonObject body) {
    return pool.preparedQuery(LIST).execute(Tuple.of(UUID.fromString(body.getString("userId"))))
      .compose(rows -> {
        List<Row> list = new ArrayList<>();
        rows.forEach(list::add);
        UUID[] ids = list.stream().map(r -> r.getUUID("id")).toArray(UUID[]::new);
        return participants(pool, ids).map(byConversation -> {
          JsonArray out = new JsonArray();
          for (Row r : list) {
            UUID id = r.getUUID("id");
            long lastSeq = r.getLong("last_seq");
            JsonObject json = new Conversation(id, r.getString("title"), byConversation.getOrDefault(id, List.of()),
              r.getOffsetDateTime("created_at"), lastSeq).toJson();
            json.put("lastMessage", lastMessage(r));
            json.put("unreadCount", Math.max(0, lastSeq - r.getLong("read_seq")));
            out.add(json);
          }
          return new JsonObject().put("conversations", out);
        });
      });
  }

  /** {userId, conversationId} → {member: true|false}. */
  Future<JsonObject> membership(JsonObject body) {
    return pool.preparedQuery(MEMBER)
      .execute(Tuple.of(UUID.fromString(body.getString("conversationId")), UUID.fromString(body.getString("userId"))))
      .map(rows -> new JsonObject().put("member", rows.size() > 0));
  }

  /**
   * {ids: [conversationId…]} → {seqs: {id: lastSeq}}: where each conversation stands, for the
   * fan-out starting to deliver it on a node (unknown ids are left out).
   */
  Future<JsonObject> lastSeqs(JsonObject body) {
    UUID[] ids = body.getJsonArray("ids").stream().map(o -> UUID.fromString((String) o)).toArray(UUID[]::new);
    return pool.preparedQuery(LAST_SEQS).execute(Tuple.of(ids)).map(rows -> {
      JsonObject seqs = new JsonObject();
      rows.forEach(row -> seqs.put(row.getUUID(0).toString(), row.getLong(1)));
      return new JsonObject().put("seqs", seqs);
    });
  }

  /** {userId, among?: [id…]} → {contacts: [{id, lastSeen}]}: the people who share a conversation with the user. */
  Future<JsonObject> contacts(JsonObject body) {
    JsonArray among = body.getJsonArray("among");
    UUID[] filter = among == null ? null : among.stream().map(o -> UUID.fromString((String) o)).toArray(UUID[]::new);
    Tuple args = Tuple.of(UUID.fromString(body.getString("userId")));
    if (filter == null) {
      args.addValue(null);
    } else {
      args.addArrayOfUUID(filter);
    }
    return pool.preparedQuery(CONTACTS).execute(args).map(rows -> {
      JsonArray contacts = new JsonArray();
      rows.forEach(r -> contacts.add(new JsonObject().put("id", r.getUUID("id").toString())
        .put("lastSeen", Timestamps.iso(r.getOffsetDateTime("last_seen_at")))));
      return new JsonObject().put("contacts", contacts);
    });
  }

  private static JsonObject lastMessage(Row r) {
    UUID messageId = r.getUUID("message_id");
    if (messageId == null) {
      return null;
    }
    return new JsonObject()
      .put("id", messageId.toString())
      .put("conversationId", r.getUUID("id").toString())
      .put("seq", r.getLong("seq"))
      .put("senderId", r.getUUID("sender_id").toString())
      .put("senderDisplayName", r.getString("display_name"))
      .put("content", r.getString("content"))
      .put("sentAt", Timestamps.iso(r.getOffsetDateTime("sent_at")))
      .put("clientMessageId", r.getString("client_message_id"));
  }

  private static Future<Map<UUID, List<Account>>> participants(SqlClient client, UUID[] conversationIds) {
    if (conversationIds.length == 0) {
      return Future.succeededFuture(Map.of());
    }
    return client.preparedQuery(PARTICIPANTS).execute(Tuple.tuple().addArrayOfUUID(conversationIds)).map(rows -> {
      Map<UUID, List<Account>> byConversation = new HashMap<>();
      rows.forEach(row -> byConversation.computeIfAbsent(row.getUUID("conversation_id"), k -> new ArrayList<>())
        .add(Account.fromRow(row)));
      return byConversation;
    });
  }
}

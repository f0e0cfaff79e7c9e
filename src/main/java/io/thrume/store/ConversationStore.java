package io.thrume.store;

import io.thrume.model.Message;
import io.thrume.bus.Failure;
import io.thrume.model.Account;
import io.thrume.model.Conversation;
import io.thrume.model.Participant;
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

/** Conversations, their participants and their consent (accepted or invited), leaving and removal. */
final class ConversationStore {
  private static final String INSERT =
    "INSERT INTO conversation (title, created_by) VALUES ($1, $2) RETURNING id, title, created_at, last_seq, created_by";
  // the creator accepts the conversation by creating it; everyone else is invited
  private static final String ADD_PARTICIPANTS =
    "INSERT INTO participant (conversation_id, account_id, status) "
      + "SELECT $1, a.id, CASE WHEN a.id = $3 THEN 'accepted' ELSE 'invited' END FROM account a WHERE a.id = ANY($2)";
  // who among the people asked for has blocked the creator
  private static final String BLOCKED_BY =
    "SELECT 1 FROM block WHERE blocked_id = $1 AND blocker_id = ANY($2) LIMIT 1";
  private static final String PARTICIPANTS =
    "SELECT p.conversation_id, p.status, p.read_seq, p.delivered_seq, a.id, a.username, a.display_name FROM participant p "
      + "JOIN account a ON a.id = p.account_id WHERE p.conversation_id = ANY($1) "
      + "ORDER BY p.joined_at, lower(a.username)";
  private static final String ONE =
    "SELECT c.id, c.title, c.created_at, c.last_seq, c.created_by, p.status AS my_status FROM conversation c "
      + "JOIN participant p ON p.conversation_id = c.id AND p.account_id = $2 WHERE c.id = $1";
  private static final String LIST =
    "SELECT c.id, c.title, c.created_at, c.last_seq, c.created_by, p.status AS my_status, p.read_seq, "
      + "m.id AS message_id, m.seq, m.sender_id, s.display_name, m.content, m.sent_at, m.client_message_id, "
      + MessageStore.CHANGE_COLUMNS + " "
      + "FROM participant p JOIN conversation c ON c.id = p.conversation_id "
      + "LEFT JOIN message m ON m.conversation_id = c.id AND m.seq = c.last_seq "
      + "LEFT JOIN account s ON s.id = m.sender_id "
      + "WHERE p.account_id = $1 ORDER BY c.last_activity_at DESC, c.created_at DESC, c.id";
  // accepts, and tells what the status was before (the FROM row is read before the update)
  private static final String ACCEPT =
    "UPDATE participant p SET status = 'accepted' FROM participant p0 "
      + "WHERE p.conversation_id = $1 AND p.account_id = $2 "
      + "AND p0.conversation_id = p.conversation_id AND p0.account_id = p.account_id "
      + "RETURNING p0.status AS was, p.read_seq, p.delivered_seq";
  // the actor's and the target's participation, and who created the conversation
  private static final String REMOVAL =
    "SELECT c.created_by, "
      + "EXISTS (SELECT 1 FROM participant WHERE conversation_id = c.id AND account_id = $2) AS actor_in, "
      + "EXISTS (SELECT 1 FROM participant WHERE conversation_id = c.id AND account_id = $3) AS target_in "
      + "FROM conversation c WHERE c.id = $1";
  private static final String DELETE_PARTICIPANT =
    "DELETE FROM participant WHERE conversation_id = $1 AND account_id = $2";

  // the caller's status, with the conversation locked so that concurrent adds count each other
  private static final String LOCKED_STATUS =
    "SELECT p.status, (SELECT count(*) FROM participant WHERE conversation_id = c.id) AS size FROM conversation c "
      + "JOIN participant p ON p.conversation_id = c.id AND p.account_id = $2 WHERE c.id = $1 FOR UPDATE OF c";
  // which of the asked accounts exist and are not in the conversation yet, with whether they
  // blocked the caller
  private static final String NEWCOMERS =
    "SELECT a.id, a.username, a.display_name, "
      + "EXISTS (SELECT 1 FROM block b WHERE b.blocker_id = a.id AND b.blocked_id = $3) AS blocks_caller, "
      + "EXISTS (SELECT 1 FROM participant p WHERE p.conversation_id = $1 AND p.account_id = a.id) AS present "
      + "FROM account a WHERE a.id = ANY($2)";
  private static final String INVITE =
    "INSERT INTO participant (conversation_id, account_id, status) SELECT $1, unnest($2::uuid[]), 'invited' "
      + "ON CONFLICT DO NOTHING";
  private static final String RENAME = "UPDATE conversation SET title = $2 WHERE id = $1";
  private static final String MEMBER =
    "SELECT status FROM participant WHERE conversation_id = $1 AND account_id = $2";
  private static final String MEMBERSHIPS =
    "SELECT conversation_id, status FROM participant WHERE account_id = $1 LIMIT $2";
  private static final String LAST_SEQS = "SELECT id, last_seq FROM conversation WHERE id = ANY($1)";
  // People whose presence $1 may see (optionally only those among $2), with when they were last
  // seen: they share a conversation with $1 that THEY have accepted (what $1 accepted does not
  // matter), and they have not blocked $1.
  private static final String CONTACTS =
    "SELECT DISTINCT a.id, a.last_seen_at FROM participant mine "
      + "JOIN participant theirs ON theirs.conversation_id = mine.conversation_id AND theirs.account_id <> mine.account_id "
      + "  AND theirs.status = 'accepted' "
      + "JOIN account a ON a.id = theirs.account_id "
      + "WHERE mine.account_id = $1 AND ($2::uuid[] IS NULL OR a.id = ANY($2)) "
      + "AND NOT EXISTS (SELECT 1 FROM block b WHERE b.blocker_id = a.id AND b.blocked_id = $1)";

  private final Pool pool;
  private final Message.Urls urls;

  ConversationStore(Pool pool, Message.Urls urls) {
    this.pool = pool;
    this.urls = urls;
  }

  /**
   * {creatorId, participantIds, title} → conversation as the creator sees it; INVALID when a
   * participant does not exist, FORBIDDEN when one of them has blocked the creator.
   */
  Future<JsonObject> create(JsonObject body) {
    UUID creator = UUID.fromString(body.getString("creatorId"));
    Set<UUID> people = new LinkedHashSet<>();
    people.add(creator);
    body.getJsonArray("participantIds").forEach(id -> people.add(UUID.fromString((String) id)));
    UUID[] ids = people.toArray(UUID[]::new);
    return pool.withTransaction(conn -> conn.preparedQuery(BLOCKED_BY).execute(Tuple.of(creator).addArrayOfUUID(ids))
      .compose(blocked -> blocked.size() > 0
        ? Future.failedFuture(Failure.FORBIDDEN.exception("participantIds includes someone who does not accept conversations from you"))
        : conn.preparedQuery(INSERT).execute(Tuple.of(body.getString("title"), creator)))
      .compose(rows -> {
        Row c = rows.iterator().next();
        UUID id = c.getUUID("id");
        return conn.preparedQuery(ADD_PARTICIPANTS).execute(Tuple.of(id).addArrayOfUUID(ids).addUUID(creator))
          .compose(added -> added.rowCount() != ids.length
            ? Future.failedFuture(Failure.INVALID.exception("participantIds contains an unknown account"))
            : participants(conn, new UUID[]{id}))
          .map(byConversation -> conversation(c, byConversation.get(id), Participant.ACCEPTED).toJson());
      }));
  }

  /** {userId, conversationId} → conversation; NOT_FOUND when absent or the user is not in it. */
  Future<JsonObject> get(JsonObject body) {
    return get(pool, UUID.fromString(body.getString("conversationId")), UUID.fromString(body.getString("userId")));
  }

  private static Future<JsonObject> get(SqlClient client, UUID id, UUID user) {
    return client.preparedQuery(ONE).execute(Tuple.of(id, user))
      .compose(rows -> {
        if (rows.size() == 0) {
          return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
        }
        Row c = rows.iterator().next();
        return participants(client, new UUID[]{id})
          .map(byConversation -> conversation(c, byConversation.get(id), c.getString("my_status")).toJson());
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
            JsonObject json = conversation(r, byConversation.get(id), r.getString("my_status")).toJson();
            json.put("lastMessage", lastMessage(r));
            json.put("unreadCount", Math.max(0, lastSeq - r.getLong("read_seq")));
            out.add(json);
          }
          return new JsonObject().put("conversations", out);
        });
      });
  }

  /**
   * {userId, conversationId} → {conversation, accepted, readSeq, deliveredSeq}: the participant
   * accepts the conversation; {@code accepted} is true when they were invited until now. NOT_FOUND
   * for non-participants.
   */
  Future<JsonObject> accept(JsonObject body) {
    UUID id = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    return pool.withTransaction(conn -> conn.preparedQuery(ACCEPT).execute(Tuple.of(id, user)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
      }
      Row r = rows.iterator().next();
      boolean accepted = Participant.INVITED.equals(r.getString("was"));
      long readSeq = r.getLong("read_seq");
      long deliveredSeq = r.getLong("delivered_seq");
      return get(conn, id, user).map(conversation -> new JsonObject().put("conversation", conversation)
        .put("accepted", accepted).put("readSeq", readSeq).put("deliveredSeq", deliveredSeq));
    }));
  }

  /**
   * {userId, conversationId, targetId} → {removed: [targetId]}: the user leaves (targetId is the
   * user) or removes someone. NOT_FOUND when the user is not in the conversation, FORBIDDEN when
   * someone other than its creator removes another, NOT_FOUND when the target is not in it.
   */
  Future<JsonObject> remove(JsonObject body) {
    UUID id = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    UUID target = UUID.fromString(body.getString("targetId"));
    return pool.withTransaction(conn -> conn.preparedQuery(REMOVAL).execute(Tuple.of(id, user, target)).compose(rows -> {
      Row r = rows.size() == 0 ? null : rows.iterator().next();
      if (r == null || !r.getBoolean("actor_in")) {
        return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
      }
      if (!user.equals(target) && !user.equals(r.getUUID("created_by"))) {
        return Future.failedFuture(Failure.FORBIDDEN.exception("only the creator of the conversation may remove participants"));
      }
      if (!r.getBoolean("target_in")) {
        return Future.failedFuture(Failure.NOT_FOUND.exception("userId is not a participant of this conversation"));
      }
      return conn.preparedQuery(DELETE_PARTICIPANT).execute(Tuple.of(id, target)).compose(deleted -> deleted.rowCount() == 0
        ? Future.failedFuture(Failure.NOT_FOUND.exception("userId is not a participant of this conversation"))
        : Future.succeededFuture(new JsonObject().put("conversationId", id.toString())
          .put("removed", new JsonArray().add(target.toString()))));
    }));
  }

  /**
   * {userId, conversationId, userIds, max} → {conversation, added: [account…]}: an accepted
   * participant adds people, who are invited; those already in are left out of added. NOT_FOUND when
   * the user is not in the conversation, FORBIDDEN when the user is only invited or one of the new
   * people has blocked the user, INVALID for an unknown account or more than max participants in all.
   */
  Future<JsonObject> addParticipants(JsonObject body) {
    UUID id = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    UUID[] asked = body.getJsonArray("userIds").stream().map(o -> UUID.fromString((String) o)).toArray(UUID[]::new);
    int max = body.getInteger("max");
    return pool.withTransaction(conn -> requireAccepted(conn, id, user).compose(size ->
      conn.preparedQuery(NEWCOMERS).execute(Tuple.of(id).addArrayOfUUID(asked).addUUID(user)).compose(rows -> {
        if (rows.size() != asked.length) {
          return Future.failedFuture(Failure.INVALID.exception("userIds contains an unknown account"));
        }
        Map<UUID, Account> fresh = new HashMap<>();
        boolean blocked = false;
        for (Row r : rows) {
          if (!r.getBoolean("present")) {
            fresh.put(r.getUUID("id"), Account.fromRow(r));
            blocked |= r.getBoolean("blocks_caller");
          }
        }
        if (blocked) {
          return Future.failedFuture(Failure.FORBIDDEN.exception("userIds includes someone who does not accept conversations from you"));
        }
        if (size + fresh.size() > max) {
          return Future.failedFuture(Failure.INVALID.exception("a conversation allows at most " + max + " participants"));
        }
        // in the order asked
        List<UUID> order = new ArrayList<>();
        for (UUID a : asked) {
          if (fresh.containsKey(a)) {
            order.add(a);
          }
        }
        Future<?> insert = order.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery(INVITE).execute(Tuple.of(id).addArrayOfUUID(order.toArray(UUID[]::new)));
        return insert.compose(v -> get(conn, id, user)).map(conversation -> {
          JsonArray added = new JsonArray();
          order.forEach(a -> added.add(fresh.get(a).toJson()));
          return new JsonObject().put("conversation", conversation).put("added", added);
        });
      })));
  }

  /**
   * {userId, conversationId, title} → conversation: an accepted participant renames it (title null
   * removes it). NOT_FOUND when the user is not in the conversation, FORBIDDEN when only invited.
   */
  Future<JsonObject> rename(JsonObject body) {
    UUID id = UUID.fromString(body.getString("conversationId"));
    UUID user = UUID.fromString(body.getString("userId"));
    return pool.withTransaction(conn -> requireAccepted(conn, id, user)
      .compose(size -> conn.preparedQuery(RENAME).execute(Tuple.of(id, body.getString("title"))))
      .compose(v -> get(conn, id, user)));
  }

  /** The number of participants, the conversation locked; NOT_FOUND for non-participants, FORBIDDEN for the invited. */
  private static Future<Long> requireAccepted(SqlClient conn, UUID id, UUID user) {
    return conn.preparedQuery(LOCKED_STATUS).execute(Tuple.of(id, user)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
      }
      Row r = rows.iterator().next();
      if (!Participant.ACCEPTED.equals(r.getString("status"))) {
        return Future.failedFuture(Failure.FORBIDDEN.exception("accept the conversation first"));
      }
      return Future.succeededFuture(r.getLong("size"));
    });
  }

  /** {userId, conversationId} → {member: true|false, status: "accepted"|"invited"|null}. */
  Future<JsonObject> membership(JsonObject body) {
    return pool.preparedQuery(MEMBER)
      .execute(Tuple.of(UUID.fromString(body.getString("conversationId")), UUID.fromString(body.getString("userId"))))
      .map(rows -> {
        String status = rows.size() > 0 ? rows.iterator().next().getString("status") : null;
        return new JsonObject().put("member", status != null).put("status", status);
      });
  }

  /** {userId, limit} → {statuses: {conversationId: "accepted" | "invited"}}: the user's conversations, at most limit of them. */
  Future<JsonObject> statuses(JsonObject body) {
    return pool.preparedQuery(MEMBERSHIPS).execute(Tuple.of(UUID.fromString(body.getString("userId")), body.getInteger("limit")))
      .map(rows -> {
        JsonObject statuses = new JsonObject();
        rows.forEach(row -> statuses.put(row.getUUID(0).toString(), row.getString(1)));
        return new JsonObject().put("statuses", statuses);
      });
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

  /**
   * {userId, among?: [id…]} → {contacts: [{id, lastSeen}]}: the people whose presence the user may
   * see: they share a conversation with the user that they have accepted, and have not blocked the user.
   */
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

  private static Conversation conversation(Row c, List<Participant> participants, String myStatus) {
    return new Conversation(c.getUUID("id"), c.getString("title"), participants == null ? List.of() : participants,
      c.getOffsetDateTime("created_at"), c.getLong("last_seq"), c.getUUID("created_by"), myStatus);
  }

  private JsonObject lastMessage(Row r) {
    UUID messageId = r.getUUID("message_id");
    return messageId == null ? null : Message.fromRow(r, messageId, r.getUUID("id")).toJson(urls);
  }

  private static Future<Map<UUID, List<Participant>>> participants(SqlClient client, UUID[] conversationIds) {
    if (conversationIds.length == 0) {
      return Future.succeededFuture(Map.of());
    }
    return client.preparedQuery(PARTICIPANTS).execute(Tuple.tuple().addArrayOfUUID(conversationIds)).map(rows -> {
      Map<UUID, List<Participant>> byConversation = new HashMap<>();
      rows.forEach(row -> byConversation.computeIfAbsent(row.getUUID("conversation_id"), k -> new ArrayList<>())
        .add(new Participant(Account.fromRow(row), row.getString("status"), row.getLong("read_seq"), row.getLong("delivered_seq"))));
      return byConversation;
    });
  }
}

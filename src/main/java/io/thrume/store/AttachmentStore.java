package io.thrume.store;

import io.thrume.bus.Failure;
import io.thrume.model.Message;
import io.thrume.model.Participant;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Files shared in conversations (table attachment, migration V9): stored whole in PostgreSQL so that every
 * node serves them. Sends attach them ({@link MessageBatcher}); deletes of messages delete them
 * ({@link MessageChanges}); the sweep deletes those no message took.
 */
final class AttachmentStore {
  // the uploader's participation under the conversation's lock (participant rows change only
  // under it), the file, and the uploader accepted: one statement, nothing stored for a non-participant
  private static final String CREATE =
    "WITH locked AS MATERIALIZED (SELECT c.id, p.status FROM conversation c "
      + "  JOIN participant p ON p.conversation_id = c.id AND p.account_id = $2 WHERE c.id = $1 FOR NO KEY UPDATE OF c), "
      + "stored AS (INSERT INTO attachment (conversation_id, uploader_id, name, content_type, size, sha256, data) "
      + "  SELECT l.id, $2, $3, $4, $5, $6, $7 FROM locked l RETURNING id), "
      + "accepted AS (UPDATE participant p SET status = 'accepted' FROM locked l "
      + "  WHERE p.conversation_id = l.id AND p.account_id = $2 AND l.status = 'invited') "
      + "SELECT s.id, l.status FROM stored s CROSS JOIN locked l";
  private static final String READ =
    "SELECT t.id, t.conversation_id, t.name, t.content_type, t.size, t.sha256, t.data FROM attachment t WHERE t.id = $1";
  private static final String READ_AS =
    "SELECT t.id, t.conversation_id, t.name, t.content_type, t.size, t.sha256, t.data FROM attachment t "
      + "JOIN participant p ON p.conversation_id = t.conversation_id AND p.account_id = $2 WHERE t.id = $1";
  private static final String SWEEP =
    "DELETE FROM attachment WHERE message_seq IS NULL AND created_at < now() - make_interval(secs => $1)";

  private final Pool pool;
  private final Message.Urls urls;

  AttachmentStore(Pool pool, Message.Urls urls) {
    this.pool = pool;
    this.urls = urls;
  }

  /**
   * {userId, conversationId, name, contentType, size, sha256, data (bytes)} → {attachment: {id,
   * name, size, contentType, sha256, url}, accepted}: {@code accepted} when this upload accepted the
   * conversation for its invited uploader. NOT_FOUND when the user is not a participant.
   */
  Future<JsonObject> create(JsonObject body) {
    Buffer data = body.getBuffer("data");
    String name = body.getString("name");
    String contentType = body.getString("contentType");
    String sha256 = body.getString("sha256");
    long size = data.length();
    return pool.preparedQuery(CREATE).execute(Tuple.of(UUID.fromString(body.getString("conversationId")),
        UUID.fromString(body.getString("userId")), name, contentType, size, sha256, data))
      .map(rows -> {
        if (rows.size() == 0) {
          throw Failure.NOT_FOUND.exception("conversation not found");
        }
        Row row = rows.iterator().next();
        String id = row.getUUID("id").toString();
        return new JsonObject()
          .put("attachment", new JsonObject().put("id", id).put("name", name).put("size", size)
            .put("contentType", contentType).put("sha256", sha256).put("url", urls.url(id)))
          .put("accepted", Participant.INVITED.equals(row.getString("status")));
      });
  }

  /**
   * {id, userId?} → {id, conversationId, name, contentType, size, sha256, data}: with userId only
   * when that user is a participant of its conversation (a signed URL, checked by the caller, has
   * none). NOT_FOUND otherwise.
   */
  Future<JsonObject> get(JsonObject body) {
    UUID id = UUID.fromString(body.getString("id"));
    String user = body.getString("userId");
    Future<RowSet<Row>> rows = user == null ? pool.preparedQuery(READ).execute(Tuple.of(id))
      : pool.preparedQuery(READ_AS).execute(Tuple.of(id, UUID.fromString(user)));
    return rows.map(found -> {
      if (found.size() == 0) {
        throw Failure.NOT_FOUND.exception("attachment not found");
      }
      Row row = found.iterator().next();
      return new JsonObject().put("id", row.getUUID("id").toString())
        .put("conversationId", row.getUUID("conversation_id").toString())
        .put("name", row.getString("name")).put("contentType", row.getString("content_type"))
        .put("size", row.getLong("size")).put("sha256", row.getString("sha256")).put("data", row.getBuffer("data"));
    });
  }

  /** Deletes the attachments no message took within {@code olderThanSeconds} of their upload; answers how many. */
  Future<Integer> sweep(long olderThanSeconds) {
    return pool.preparedQuery(SWEEP).execute(Tuple.of((double) olderThanSeconds)).map(RowSet::rowCount);
  }
}

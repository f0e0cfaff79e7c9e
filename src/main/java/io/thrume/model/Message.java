package io.thrume.model;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A persisted message: {id, conversationId, seq, senderId, senderDisplayName, content, sentAt, clientMessageId}. */
public record Message(UUID id, UUID conversationId, long seq, UUID senderId, String senderDisplayName,
                      String content, OffsetDateTime sentAt, String clientMessageId) {

  /** Reads the columns of {@code MessageSql.COLUMNS}. */
  public static Message fromRow(Row row) {
    return new Message(row.getUUID("id"), row.getUUID("conversation_id"), row.getLong("seq"),
      row.getUUID("sender_id"), row.getString("display_name"), row.getString("content"),
      row.getOffsetDateTime("sent_at"), row.getString("client_message_id"));
  }

  /**
   * At most how many bytes its JSON takes, without encoding it: the fixed fields, plus the text
   * ones at up to six bytes a UTF-16 unit (an escaped control character takes six).
   */
  public long maxEncodedBytes() {
    return 300 + 6L * (content.length() + senderDisplayName.length() + clientMessageId.length());
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id.toString())
      .put("conversationId", conversationId.toString())
      .put("seq", seq)
      .put("senderId", senderId.toString())
      .put("senderDisplayName", senderDisplayName)
      .put("content", content)
      .put("sentAt", Timestamps.iso(sentAt))
      .put("clientMessageId", clientMessageId);
  }
}

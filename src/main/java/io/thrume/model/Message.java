package io.thrume.model;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A persisted message: {id, conversationId, seq, senderId, senderDisplayName, content, sentAt, clientMessageId}. */
public record Message(UUID id, UUID conversationId, long seq, UUID senderId, String senderDisplayName,
                      String content, OffsetDateTime sentAt, String clientMessageId) {

  /** Reads the columns of {@code MessageStore.COLUMNS}. */
  public static Message fromRow(Row row) {
    return new Message(row.getUUID("id"), row.getUUID("conversation_id"), row.getLong("seq"),
      row.getUUID("sender_id"), row.getString("display_name"), row.getString("content"),
      row.getOffsetDateTime("sent_at"), row.getString("client_message_id"));
  }

  /** At most how many bytes its JSON takes, without encoding it: the fixed fields, plus the text ones. */
  public long maxEncodedBytes() {
    return 300 + jsonBytes(content) + jsonBytes(senderDisplayName) + jsonBytes(clientMessageId);
  }

  /** At most how many bytes a string takes as a JSON string's content: UTF-8, escapes counted as six. */
  static long jsonBytes(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        n += 6;
      } else if (c < 0x80) {
        n += 1;
      } else if (c < 0x800 || Character.isSurrogate(c)) {
        // two bytes, or half of a surrogate pair's four
        n += 2;
      } else {
        n += 3;
      }
    }
    return n;
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

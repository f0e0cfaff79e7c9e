package io.thrume.model;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.sqlclient.Row;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A persisted message: {id, conversationId, seq, senderId, senderDisplayName, content, sentAt,
 * clientMessageId, editedAt, deletedAt, replyTo, reactions, attachments, changeSeq}. A deleted
 * message keeps its seq, with content "" and no reactions. {@code replyTo} is {seq, senderId,
 * excerpt} of the message it answers, read from that message as it is now. {@code attachments}
 * are {id, name, size, contentType, url}: the first four as stored, the url signed when the JSON
 * is made ({@link Urls}).
 */
public record Message(UUID id, UUID conversationId, long seq, UUID senderId, String senderDisplayName,
                      String content, OffsetDateTime sentAt, String clientMessageId, OffsetDateTime editedAt,
                      OffsetDateTime deletedAt, Reply replyTo, JsonObject reactions, long changeSeq,
                      JsonArray attachments) {

  /** How an attachment's signed URL is made (auth.AttachmentLinks). */
  @FunctionalInterface
  public interface Urls {
    String url(String attachmentId);
  }

  /** A message without attachments. */
  public Message(UUID id, UUID conversationId, long seq, UUID senderId, String senderDisplayName,
                 String content, OffsetDateTime sentAt, String clientMessageId, OffsetDateTime editedAt,
                 OffsetDateTime deletedAt, Reply replyTo, JsonObject reactions, long changeSeq) {
    this(id, conversationId, seq, senderId, senderDisplayName, content, sentAt, clientMessageId, editedAt, deletedAt,
      replyTo, reactions, changeSeq, new JsonArray());
  }

  /** What a reply shows of the message it answers. */
  public record Reply(long seq, UUID senderId, String excerpt) {
    JsonObject toJson() {
      return new JsonObject().put("seq", seq).put("senderId", senderId == null ? null : senderId.toString())
        .put("excerpt", excerpt);
    }
  }

  /** Reads the columns of {@code MessageStore.COLUMNS}. */
  public static Message fromRow(Row row) {
    return fromRow(row, row.getUUID("id"), row.getUUID("conversation_id"));
  }

  /**
   * Reads the columns of {@code MessageStore.COLUMNS} but the two ids, given: a query that joins
   * other tables may name those columns differently.
   */
  public static Message fromRow(Row row, UUID id, UUID conversationId) {
    Long replyToSeq = row.getLong("reply_to_seq");
    Reply reply = replyToSeq == null ? null
      : new Reply(replyToSeq, row.getUUID("reply_sender_id"), row.getString("reply_excerpt"));
    Object reactions = row.getValue("reactions");
    Object attachments = row.getValue("attachments");
    return new Message(id, conversationId, row.getLong("seq"), row.getUUID("sender_id"), row.getString("display_name"),
      row.getString("content"), row.getOffsetDateTime("sent_at"), row.getString("client_message_id"),
      row.getOffsetDateTime("edited_at"), row.getOffsetDateTime("deleted_at"), reply,
      reactions instanceof JsonObject r ? r : new JsonObject(), row.getLong("change_seq"),
      attachments instanceof JsonArray a ? a : new JsonArray());
  }

  /** At most how many bytes its JSON takes, without encoding it: the fixed fields, plus the text ones. */
  public long maxEncodedBytes() {
    long n = 500 + jsonBytes(content) + jsonBytes(senderDisplayName) + jsonBytes(clientMessageId);
    if (replyTo != null && replyTo.excerpt() != null) {
      n += jsonBytes(replyTo.excerpt());
    }
    if (!reactions.isEmpty()) {
      // ids are ASCII; emoji keys are at most 32 bytes, escapes included well within six per char
      n += reactions.encode().length() * 6L;
    }
    for (Object a : attachments) {
      // the id, size, type and a signed URL (ASCII, under 200 bytes), the name as any text
      JsonObject attachment = (JsonObject) a;
      n += 400 + jsonBytes(attachment.getString("name", "")) + jsonBytes(attachment.getString("contentType", ""));
    }
    return n;
  }

  /** At most how many bytes a string takes as a JSON string's content: UTF-8, escapes counted as six; null as null. */
  static long jsonBytes(String s) {
    if (s == null) {
      return 4;
    }
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

  /** The JSON of a message without attachments (one with attachments needs {@link #toJson(Urls)}). */
  public JsonObject toJson() {
    if (!attachments.isEmpty()) {
      throw new IllegalStateException("a message with attachments needs their URLs signed");
    }
    return toJson(id -> null);
  }

  /** The message as clients see it, each attachment with its signed URL. */
  public JsonObject toJson(Urls urls) {
    JsonArray files = new JsonArray();
    for (Object a : attachments) {
      JsonObject attachment = (JsonObject) a;
      files.add(new JsonObject().put("id", attachment.getString("id")).put("name", attachment.getString("name"))
        .put("size", attachment.getLong("size")).put("contentType", attachment.getString("contentType"))
        .put("url", urls.url(attachment.getString("id"))));
    }
    return new JsonObject()
      .put("id", id.toString())
      .put("conversationId", conversationId.toString())
      .put("seq", seq)
      .put("senderId", senderId.toString())
      .put("senderDisplayName", senderDisplayName)
      .put("content", content)
      .put("sentAt", Timestamps.iso(sentAt))
      .put("clientMessageId", clientMessageId)
      .put("editedAt", Timestamps.iso(editedAt))
      .put("deletedAt", Timestamps.iso(deletedAt))
      .put("replyTo", replyTo == null ? null : replyTo.toJson())
      .put("reactions", reactions.copy())
      .put("attachments", files)
      .put("changeSeq", changeSeq);
  }

  /**
   * The same JSON text as {@code toJson(urls).encode()}, written to the generator without making
   * the object: pages and syncs write twenty messages and more at a time (AnswerTextTest holds the
   * two to the same bytes).
   */
  public void writeJson(JsonGenerator g, Urls urls) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id.toString());
    g.writeStringField("conversationId", conversationId.toString());
    g.writeNumberField("seq", seq);
    g.writeStringField("senderId", senderId.toString());
    g.writeStringField("senderDisplayName", senderDisplayName);
    g.writeStringField("content", content);
    g.writeStringField("sentAt", Timestamps.iso(sentAt));
    g.writeStringField("clientMessageId", clientMessageId);
    g.writeStringField("editedAt", Timestamps.iso(editedAt));
    g.writeStringField("deletedAt", Timestamps.iso(deletedAt));
    g.writeFieldName("replyTo");
    if (replyTo == null) {
      g.writeNull();
    } else {
      g.writeStartObject();
      g.writeNumberField("seq", replyTo.seq());
      g.writeStringField("senderId", replyTo.senderId() == null ? null : replyTo.senderId().toString());
      g.writeStringField("excerpt", replyTo.excerpt());
      g.writeEndObject();
    }
    g.writeFieldName("reactions");
    JacksonCodec.encodeJson(reactions, g);
    g.writeArrayFieldStart("attachments");
    for (Object a : attachments) {
      JsonObject attachment = (JsonObject) a;
      g.writeStartObject();
      g.writeStringField("id", attachment.getString("id"));
      g.writeStringField("name", attachment.getString("name"));
      g.writeFieldName("size");
      JacksonCodec.encodeJson(attachment.getLong("size"), g);
      g.writeStringField("contentType", attachment.getString("contentType"));
      g.writeStringField("url", urls.url(attachment.getString("id")));
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeNumberField("changeSeq", changeSeq);
    g.writeEndObject();
  }
}

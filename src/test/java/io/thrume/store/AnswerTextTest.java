package io.thrume.store;

import io.thrume.bus.EncodedJson;
import io.thrume.model.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pages and syncs are written as text straight from their messages: byte for byte the UTF-8 of
 * what the JsonObjects they replaced encoded to, for every kind of field a message has (a lone
 * surrogate becomes '?' in both).
 */
class AnswerTextTest {
  private static final Message.Urls URLS = id -> "/api/attachments/" + id + "?sig=a\"b";

  private static List<Message> messages() {
    UUID conversation = UUID.randomUUID();
    OffsetDateTime at = OffsetDateTime.parse("2026-12-01T07:00:00.123456+02:00");
    Message plain = new Message(UUID.randomUUID(), conversation, 1, UUID.randomUUID(), "Ann", "hello", at, "c-1",
      null, null, null, new JsonObject(), 1);
    Message rich = new Message(UUID.randomUUID(), conversation, 2, UUID.randomUUID(), "Zoë 👋 \"quoted\" \\",
      "emoji 👨‍👩‍👧, control \u0001\t\n, lone \ud83d surrogate, </script>, 汉字", at, null, at.plusSeconds(5), null,
      new Message.Reply(1, null, null),
      new JsonObject().put("👍", new JsonArray().add("u1").add("u2")).put("❤️", new JsonArray().add("u3")), 7,
      new JsonArray()
        .add(new JsonObject().put("id", "a1").put("name", "plan \"v2\".pdf").put("size", 12345).put("contentType", "application/pdf"))
        .add(new JsonObject().put("id", "a2").put("name", "ü.png").put("size", 9_000_000_000L).put("contentType", "image/png")));
    Message deleted = new Message(UUID.randomUUID(), conversation, 3, UUID.randomUUID(), null, "", at, "c-3", at, at,
      new Message.Reply(2, UUID.randomUUID(), "emoji 👨"), new JsonObject(), 9);
    return List.of(plain, rich, deleted);
  }

  private static JsonArray asObjects(List<Message> messages) {
    JsonArray out = new JsonArray();
    messages.forEach(m -> out.add(m.toJson(URLS)));
    return out;
  }

  @Test
  void aPageIsTheTextOfItsObject() {
    List<Message> messages = messages();
    for (boolean hasMore : new boolean[] {true, false}) {
      String expected = EncodedJson.of(new JsonObject().put("messages", asObjects(messages)).put("hasMore", hasMore))
        .utf8().toString();
      sameText(expected, AnswerText.page(messages, hasMore, URLS).utf8().toString());
    }
    assertEquals("{\"messages\":[],\"hasMore\":false}", AnswerText.page(List.of(), false, URLS).utf8().toString());
  }

  @Test
  void aSyncIsTheTextOfItsObject() {
    List<Message> messages = messages();
    AnswerText.Sync sync = new AnswerText.Sync(2);
    // c1: new messages and changes; c2: only changes, its counter unknown; c3: a position with nothing after it
    AnswerText.Part c1 = sync.part("c1", 0, "lastSeq", "messages", "hasMore", 100);
    c1.counter = 3L;
    c1.messages.addAll(messages);
    c1.more = true;
    AnswerText.Part c2 = sync.part("c2", 1, "lastChange", "changed", "changedHasMore", 100);
    c2.messages.add(messages.get(2));
    AnswerText.Part c1Changes = sync.part("c1", 1, "lastChange", "changed", "changedHasMore", 100);
    c1Changes.counter = 9L;
    AnswerText.Part c3 = sync.part("c3", 0, "lastSeq", "messages", "hasMore", 100);
    c3.counter = 0L;
    assertEquals(300, sync.bytes);
    JsonObject expected = new JsonObject().put("conversations", new JsonObject()
      .put("c1", new JsonObject().put("lastSeq", 3L).put("messages", asObjects(messages)).put("hasMore", true)
        .put("lastChange", 9L).put("changed", new JsonArray()).put("changedHasMore", false))
      .put("c2", new JsonObject().putNull("lastChange").put("changed", asObjects(List.of(messages.get(2))))
        .put("changedHasMore", false))
      .put("c3", new JsonObject().put("lastSeq", 0L).put("messages", new JsonArray()).put("hasMore", false)));
    sameText(EncodedJson.of(expected).utf8().toString(), sync.text(URLS).utf8().toString());
  }

  /** Equal texts; otherwise the first difference, in context (the texts are long). */
  private static void sameText(String expected, String actual) {
    int i = 0;
    while (i < Math.min(expected.length(), actual.length()) && expected.charAt(i) == actual.charAt(i)) {
      i++;
    }
    if (i < expected.length() || i < actual.length()) {
      int from = Math.max(0, i - 60);
      assertEquals(expected.substring(from, Math.min(expected.length(), i + 40)),
        actual.substring(from, Math.min(actual.length(), i + 40)), "the texts differ at " + i + ": "
        + (i < expected.length() ? Integer.toHexString(expected.charAt(i)) : "end") + " against "
        + (i < actual.length() ? Integer.toHexString(actual.charAt(i)) : "end"));
    }
  }
}

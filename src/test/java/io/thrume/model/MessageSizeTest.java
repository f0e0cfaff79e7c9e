package io.thrume.model;

import io.thrume.transport.Frames;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The size a sync answer is bounded by is never below what its messages really take. */
class MessageSizeTest {

  @Test
  void theEstimateIsAnUpperBoundOfTheEncodedSize() {
    String[] contents = {"plain ascii", "😀".repeat(2000), "\"quoted\" \\ back\\slash", "\u0001\u0002\ttab\nline",
      "汉字".repeat(1000), "é".repeat(4000), "a\u2028b\u2029c", "x".repeat(4000)};
    for (String content : contents) {
      OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
      Message plain = new Message(UUID.randomUUID(), UUID.randomUUID(), 42, UUID.randomUUID(), "Zoë \"the\" 🦊",
        content, now, "client-" + content.length(), null, null, null, new JsonObject(), 0);
      // edited, a reply with an excerpt, and reactions: every field a message can carry
      JsonObject reactions = new JsonObject().put("👨‍👩‍👧‍👦", new JsonArray().add(UUID.randomUUID().toString()))
        .put("\"", new JsonArray().add(UUID.randomUUID().toString()).add(UUID.randomUUID().toString()));
      Message changed = new Message(UUID.randomUUID(), UUID.randomUUID(), 42, UUID.randomUUID(), "Zoë \"the\" 🦊",
        content, now, "client-" + content.length(), now, now,
        new Message.Reply(7, UUID.randomUUID(), content.substring(0, Math.min(100, content.length()))), reactions, 12);
      for (Message m : new Message[] {plain, changed}) {
        int actual = Frames.utf8(m.toJson()).length();
        long bound = m.maxEncodedBytes();
        assertTrue(bound >= actual, "bound " + bound + " < actual " + actual + " for " + content.substring(0, 5));
        assertTrue(bound <= 2L * actual + 600, "and not far above it: " + bound + " for " + actual);
      }
    }
  }
}

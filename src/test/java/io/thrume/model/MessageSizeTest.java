package io.thrume.model;

import io.thrume.transport.Frames;
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
      Message m = new Message(UUID.randomUUID(), UUID.randomUUID(), 42, UUID.randomUUID(), "Zoë \"the\" 🦊",
        content, OffsetDateTime.now(ZoneOffset.UTC), "client-" + content.length());
      int actual = Frames.utf8(m.toJson()).length();
      long bound = m.maxEncodedBytes();
      assertTrue(bound >= actual, "bound " + bound + " < actual " + actual + " for " + content.substring(0, 5));
      assertTrue(bound <= 2L * actual + 400, "and not far above it: " + bound + " for " + actual);
    }
  }
}

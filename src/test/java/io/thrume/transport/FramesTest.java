package io.thrume.transport;

import io.thrume.bus.EncodedJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Frames are JSON in plain UTF-8, the same text as Vert.x' encoding. A guard for faster encoders:
 * Jackson 2.18's UTF-8 writer with COMBINE_UNICODE_SURROGATES_IN_UTF8 (four bytes per emoji, no
 * String in between) pairs a lone high surrogate with the next character ("a\ud83db" became
 * "a👢"), which the third test catches.
 */
class FramesTest {

  @Test
  void aFrameIsVertxsJsonTextInUtf8() {
    String[] texts = {"plain", "héllo 👋", "👨‍👩‍👧‍👦 family", "汉字", "\"quoted\" \\ back\\slash",
      "\u0000\u0001\u001f\ttab\nline\r", "a\u2028b\u2029c", "</script>", "x".repeat(10_000) + "😀"};
    for (String text : texts) {
      JsonObject json = new JsonObject().put("type", "rec").put("address", "conversation.c1")
        .put("body", new JsonObject().put("text", text).put("seq", 42L).put("n", 1.5).put("ok", true)
          .putNull("none").put("at", Instant.parse("2026-12-01T03:00:00.123456Z"))
          .put("list", new JsonArray().add(text).add(7).addNull()));
      byte[] expected = json.encode().getBytes(StandardCharsets.UTF_8);
      assertArrayEquals(expected, Frames.utf8(json).getBytes(), text.substring(0, Math.min(text.length(), 20)));
    }
  }

  @Test
  void aCharacterOutsideTheBasicPlaneTakesItsFourBytes() {
    assertEquals("{\"t\":\"👋\"}".getBytes(StandardCharsets.UTF_8).length,
      Frames.utf8(new JsonObject().put("t", "👋")).length());
    assertEquals(12, Frames.utf8(new JsonObject().put("t", "👋")).length());
  }

  @Test
  void aLoneSurrogateIsWrittenAsTheStringEncoderWritesIt() {
    // a client's JSON may carry "\ud83d" alone; Java's UTF-8 encoder writes '?' for it
    for (String text : new String[] {"a\ud83db", "end\ud83d", "\udc4bstart"}) {
      JsonObject json = new JsonObject().put("text", text);
      assertEquals(new String(json.encode().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
        Frames.utf8(json).toString(), text);
    }
  }

  @Test
  void aBodyAlreadyEncodedMakesTheSameFrameAsTheObject() {
    // the reply address is the client's choice: quotes, backslashes and any text are escaped as in the object
    String[] addresses = {"reply.1", "a\"b\\c", "héllo 👋 \u0000", "</script>"};
    JsonObject body = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("content", "👨‍👩‍👧 \"x\"")))
      .put("hasMore", false);
    for (String address : addresses) {
      assertArrayEquals(Frames.rec(address, body).getBytes(), Frames.rec(address, EncodedJson.of(body)).getBytes(), address);
    }
  }
}

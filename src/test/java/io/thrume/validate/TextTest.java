package io.thrume.validate;

import io.vertx.core.eventbus.ReplyException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TextTest {

  @Test
  void contentCountsCodePointsNotUtf16Units() {
    String emoji = "😀".repeat(4000);
    assertEquals(emoji, Text.content(emoji));
    ReplyException e = assertThrows(ReplyException.class, () -> Text.content(emoji + "😀"));
    assertEquals(400, e.failureCode());
    assertEquals("INVALID: content must be at most 4000 characters", e.getMessage());
  }

  @Test
  void contentAllowsNewlineAndTabOnly() {
    assertEquals("a\nb\tc", Text.content("a\nb\tc"));
    for (String bad : new String[]{"a\u0000", "a\r", "\u001b[0m", "a\u007f", "a\u0085"}) {
      assertThrows(ReplyException.class, () -> Text.content(bad), bad);
    }
  }

  @Test
  void usernamesFollowTheContract() {
    assertEquals("a.b_c-9", Text.username("a.b_c-9"));
    for (String bad : new String[]{"ab", "a".repeat(33), "with space", "ünï", "semi;colon"}) {
      assertThrows(ReplyException.class, () -> Text.username(bad), bad);
    }
  }
}

package io.thrume.validate;

import io.vertx.core.eventbus.ReplyException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void displayNamesRefuseFormatCharacters() {
    assertEquals("Régine ✓ 😀", Text.displayName("Régine ✓ 😀"));
    // category Cf: bidirectional overrides, embeddings, isolates and marks, zero-width characters, BOM, tags
    for (String bad : new String[]{"evil\u202Egnp.exe", "a\u202Db", "a\u202Ab", "a\u200Eb", "a\u200Fb", "\u2066x\u2069",
        "\u2067x", "\u2068x", "a\u200Bb", "a\u200Db", "\uFEFFname", "a\u00ADb", "a\u061Cb", "flag\uDB40\uDC61"}) {
      ReplyException e = assertThrows(ReplyException.class, () -> Text.displayName(bad), bad);
      assertEquals(400, e.failureCode());
      assertTrue(e.getMessage().contains("displayName"), e.getMessage());
    }
  }

  @Test
  void onlyPossibleUsernamesAreLookedUp() {
    assertTrue(Text.isUsername("a.b_c-9"));
    for (String bad : new String[]{"ab\u0000c", "\u0000\u0000\u0000", "abc\u0007", "with space", null}) {
      assertFalse(Text.isUsername(bad), String.valueOf(bad));
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

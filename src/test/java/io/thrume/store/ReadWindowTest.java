package io.thrume.store;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read budget's split over conversations, and when a window read is the whole answer. */
class ReadWindowTest {
  @Test
  void smallConversationsAreReadWholeAndTheRestShareTheBudget() {
    // everything fits: each conversation whole
    assertEquals(2000, ReadWindow.rowsPerConversation(new long[] {2000}, 5000));
    assertEquals(3000, ReadWindow.rowsPerConversation(new long[] {3000, 10, 0}, 5000));
    // 50 conversations of 2,000 (W7's heavy users): 100 each
    long[] fifty = new long[50];
    java.util.Arrays.fill(fifty, 2000);
    assertEquals(100, ReadWindow.rowsPerConversation(fifty, 5000));
    // two small ones whole (100 + 400), the 4,500 left split between the two large ones
    assertEquals(2250, ReadWindow.rowsPerConversation(new long[] {100_000, 400, 100, 50_000}, 5000));
    // never 0, even with more conversations than the budget
    assertEquals(1, ReadWindow.rowsPerConversation(new long[] {10, 10, 10}, 2));
    assertTrue(ReadWindow.cuts(new long[] {100, 2251}, 2250));
    assertFalse(ReadWindow.cuts(new long[] {100, 2250}, 2250));
  }

  @Test
  void aWindowReadIsTheAnswerOnlyIfNothingUnreadCouldComeFirst() {
    OffsetDateTime t = OffsetDateTime.parse("2026-11-30T10:00:00Z");
    // nothing cut: whatever was found is the answer, even nothing
    assertTrue(ReadWindow.complete(0, 20, false, null, 0, null, null));
    assertTrue(ReadWindow.complete(3, 20, true, t, 5, null, null));
    // cut, and too few hits, or none: the index must answer
    assertFalse(ReadWindow.complete(0, 20, true, null, 0, null, null));
    assertFalse(ReadWindow.complete(19, 20, true, t, 500, t.minusDays(1), 10L));
    // a full page at least as new as the newest unread message
    assertTrue(ReadWindow.complete(20, 20, true, t, 500, t.minusSeconds(1), 900L));
    assertTrue(ReadWindow.complete(20, 20, true, t, 500, t, 499L));
    assertTrue(ReadWindow.complete(20, 20, true, t, 500, t, 500L));
    // ... and not: something unread is newer than the page's oldest hit
    assertFalse(ReadWindow.complete(20, 20, true, t, 500, t, 501L));
    assertFalse(ReadWindow.complete(20, 20, true, t, 500, t.plusSeconds(1), 1L));
  }
}

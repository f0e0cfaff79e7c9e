package io.thrume.store;

import java.time.OffsetDateTime;
import java.util.Arrays;

/**
 * How much of each conversation message search reads newest first before it turns to the index,
 * and whether what it read is already the answer.
 *
 * <p>The read is a window per conversation: its newest {@code rows} messages (all of them when it
 * holds fewer). The budget is shared so that small conversations are read whole and the rest split
 * evenly among the large ones, so that the total read is at most the budget.
 */
final class ReadWindow {
  private ReadWindow() {
  }

  /**
   * Messages to read from each conversation so that, with each conversation read whole up to that
   * many, at most {@code budget} are read in all: the largest r with sum(min(lastSeq, r)) ≤ budget,
   * or the largest conversation's size when everything fits. At least 1.
   */
  static long rowsPerConversation(long[] lastSeqs, long budget) {
    long[] sizes = lastSeqs.clone();
    Arrays.sort(sizes);
    long left = budget;
    for (int i = 0; i < sizes.length; i++) {
      long share = left / (sizes.length - i);
      if (sizes[i] > share) {
        return Math.max(1, share);
      }
      left -= sizes[i];
    }
    return sizes.length == 0 ? 1 : Math.max(1, sizes[sizes.length - 1]);
  }

  /** Whether a window of {@code rows} leaves any of these conversations partly unread. */
  static boolean cuts(long[] lastSeqs, long rows) {
    return Arrays.stream(lastSeqs).anyMatch(last -> last > rows);
  }

  /**
   * Whether the hits of a window read are the answer. The statement reports the horizon, the newest
   * message it left unread (null: it read everything); with no hit there is no row to report it,
   * and {@code cutByScope} (the counters read just before) stands in. The hits are the answer when
   * nothing was left unread, or when the page is full and its oldest hit is at least as new as the
   * horizon: a conversation's unread messages are older than its window by seq, and sent_at follows
   * seq within a conversation (both set by the insert under the conversation's lock), so none of
   * them could come before that oldest hit.
   */
  static boolean complete(int hits, int limit, boolean cutByScope, OffsetDateTime oldestAt, long oldestSeq,
                          OffsetDateTime horizonAt, Long horizonSeq) {
    if (hits == 0) {
      return !cutByScope;
    }
    if (horizonAt == null) {
      return true;
    }
    if (hits < limit) {
      return false;
    }
    int byTime = oldestAt.toInstant().compareTo(horizonAt.toInstant());
    return byTime > 0 || byTime == 0 && oldestSeq >= horizonSeq;
  }
}

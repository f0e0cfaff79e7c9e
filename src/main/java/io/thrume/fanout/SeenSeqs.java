package io.thrume.fanout;

import java.util.HashMap;
import java.util.Map;

/**
 * The highest message seq each conversation's events showed this node lately. Every node receives
 * every conversation's events, subscribed or not, so for a conversation active in the last
 * {@code memoryNanos} this is where it stands here, and a first subscriber's topic can start from it
 * instead of asking the store ({@link NodeFanout}). It is never above the store's last seq; below it
 * only by events still on their way, which then reach the new subscriber in order.
 *
 * <p>Bounded: a conversation silent for longer is forgotten by the next {@link #forgetSilent}, and
 * past {@code max} conversations new ones are not noted (their topics ask the store). Used on the
 * fan-out's context only.
 */
final class SeenSeqs {
  private final long memoryNanos;
  private final int max;
  private final Map<String, Seen> seen = new HashMap<>();

  private static final class Seen {
    long seq;
    long atNanos;
  }

  SeenSeqs(long memoryNanos, int max) {
    this.memoryNanos = memoryNanos;
    this.max = max;
  }

  /** A message event of the conversation's address with this seq arrived now. */
  void saw(String address, long seq, long nowNanos) {
    Seen s = seen.get(address);
    if (s == null) {
      if (seen.size() >= max) {
        return;
      }
      s = new Seen();
      seen.put(address, s);
    }
    if (seq > s.seq) {
      s.seq = seq;
    }
    s.atNanos = nowNanos;
  }

  /** The highest seq seen for the address, if an event of it came within the memory; -1 otherwise. */
  long last(String address, long nowNanos) {
    Seen s = seen.get(address);
    return s == null || nowNanos - s.atNanos > memoryNanos ? -1 : s.seq;
  }

  /** Drops the conversations whose last event is older than the memory. */
  void forgetSilent(long nowNanos) {
    seen.values().removeIf(s -> nowNanos - s.atNanos > memoryNanos);
  }
}

package io.thrume.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the generator's sockets received of the benchmark's messages. A message's content carries
 * {@code b|index|intendedNanos|…}: the latency runs from the intended send time (so a late send is
 * counted against the server, no coordinated omission), on this process' clock; each socket keeps
 * the indexes it has seen, so a second copy counts as a duplicate and a missing one as lost.
 */
final class Deliveries {
  static final String MARK = "b|";
  private final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong duplicated = new AtomicLong();
  private volatile BitSet[] seen = new BitSet[0];

  /** The content of message {@code index}, meant to be sent at {@code intendedNanos}; about 100 bytes like a chat line. */
  static String content(int index, long intendedNanos) {
    return MARK + index + "|" + intendedNanos + "|the quick brown fox jumps over the lazy dog, then naps in the sun";
  }

  /** Starts counting afresh for {@code sockets} sockets. */
  void reset(int sockets) {
    BitSet[] fresh = new BitSet[sockets];
    for (int i = 0; i < sockets; i++) {
      fresh[i] = new BitSet();
    }
    seen = fresh;
    received.set(0);
    duplicated.set(0);
    latency.reset();
  }

  /** A frame socket {@code socket} received; returns false when it carried no benchmark message. */
  boolean onFrame(int socket, String frame, long nowNanos) {
    int at = frame.indexOf(MARK);
    if (at < 0) {
      return false;
    }
    int bar = frame.indexOf('|', at + 2);
    int end = frame.indexOf('|', bar + 1);
    int index = Integer.parseInt(frame, at + 2, bar, 10);
    long intended = Long.parseLong(frame, bar + 1, end, 10);
    BitSet[] current = seen;
    if (socket < current.length) {
      BitSet set = current[socket];
      boolean again;
      synchronized (set) {
        again = set.get(index);
        set.set(index);
      }
      if (again) {
        duplicated.incrementAndGet();
        return true;
      }
    }
    latency.recordValue(Math.max(0, nowNanos - intended));
    received.incrementAndGet();
    return true;
  }

  long received() {
    return received.get();
  }

  long duplicated() {
    return duplicated.get();
  }

  /** The latencies recorded since the last call (or reset), in nanoseconds. */
  Histogram takeLatency() {
    return latency.getIntervalHistogram();
  }
}

package io.thrume.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * What the generator's sockets received of the benchmark's messages. A message's content carries
 * {@code b|index|intendedNanos|…}: the latency runs from the intended send time (so a late send is
 * counted against the server, no coordinated omission), on this process' clock; each socket keeps
 * the indexes it has seen, so a second copy counts as a duplicate and a missing one as lost.
 * A message's {@code seq} (its place in its conversation, given by the server) lower than one the
 * socket already received counts as out of order (every workload puts a socket in one conversation).
 */
final class Deliveries {
  static final String MARK = "b|";
  private final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
  /** The same latencies split by route: the receiving socket on the sender's node, or on another. */
  private final Recorder sameNode = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
  private final Recorder otherNode = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
  /** Message index → the sending socket, and the node count (socket i is on node i mod nodes); 1: no split. */
  private volatile IntUnaryOperator senderOf = index -> 0;
  private volatile int nodes = 1;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong duplicated = new AtomicLong();
  private static final String SEQ = "\"seq\":";
  private final AtomicLong outOfOrder = new AtomicLong();
  private volatile BitSet[] seen = new BitSet[0];
  /** The highest seq each socket received; guarded by that socket's BitSet. */
  private volatile long[] lastSeq = new long[0];

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
    lastSeq = new long[sockets];
    received.set(0);
    duplicated.set(0);
    outOfOrder.set(0);
    latency.reset();
    sameNode.reset();
    otherNode.reset();
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
    long seq = seq(frame);
    BitSet[] current = seen;
    long[] last = lastSeq;
    if (socket < current.length && socket < last.length) {
      BitSet set = current[socket];
      boolean again;
      boolean early;
      synchronized (set) {
        again = set.get(index);
        set.set(index);
        early = !again && seq >= 0 && seq < last[socket];
        if (!again && seq > last[socket]) {
          last[socket] = seq;
        }
      }
      if (again) {
        duplicated.incrementAndGet();
        return true;
      }
      if (early) {
        outOfOrder.incrementAndGet();
      }
    }
    long nanos = Math.max(0, nowNanos - intended);
    latency.recordValue(nanos);
    int n = nodes;
    if (n > 1) {
      (senderOf.applyAsInt(index) % n == socket % n ? sameNode : otherNode).recordValue(nanos);
    }
    received.incrementAndGet();
    return true;
  }

  /** The message's seq in its conversation (the first "seq" of the frame, before the content), or -1. */
  private static long seq(String frame) {
    int at = frame.indexOf(SEQ);
    if (at < 0) {
      return -1;
    }
    int from = at + SEQ.length();
    int to = from;
    while (to < frame.length() && Character.isDigit(frame.charAt(to))) {
      to++;
    }
    return to == from ? -1 : Long.parseLong(frame, from, to, 10);
  }

  /** Whether socket {@code socket} received message {@code index} since the last reset. */
  boolean saw(int socket, int index) {
    BitSet set = seen[socket];
    synchronized (set) {
      return set.get(index);
    }
  }

  long outOfOrder() {
    return outOfOrder.get();
  }

  long received() {
    return received.get();
  }

  long duplicated() {
    return duplicated.get();
  }

  /**
   * Deliveries that should have come and did not, counted per socket as W6 counts them: for every
   * acknowledged message, each socket of {@code receivers.apply(index)} that did not receive it is
   * one lost delivery. A duplicate on one socket does not make up for a miss on another, nor does a
   * delivery of a message that was not acknowledged.
   */
  long lost(int[] acknowledged, IntFunction<int[]> receivers) {
    long lost = 0;
    for (int index : acknowledged) {
      for (int socket : receivers.apply(index)) {
        if (!saw(socket, index)) {
          lost++;
        }
      }
    }
    return lost;
  }

  /** The latencies recorded since the last call (or reset), in nanoseconds. */
  Histogram takeLatency() {
    return latency.getIntervalHistogram();
  }

  /**
   * Splits the latencies from now on by route: message index → its sending socket, on a server
   * of {@code nodes} nodes where socket i is on node i mod nodes.
   */
  void route(IntUnaryOperator sender, int nodeCount) {
    senderOf = sender;
    nodes = nodeCount;
  }

  /** The latencies to sockets on the sender's node since the last call, in nanoseconds. */
  Histogram takeSameNode() {
    return sameNode.getIntervalHistogram();
  }

  /** The latencies to sockets on another node than the sender's since the last call, in nanoseconds. */
  Histogram takeOtherNode() {
    return otherNode.getIntervalHistogram();
  }
}

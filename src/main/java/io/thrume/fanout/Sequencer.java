package io.thrume.fanout;

import io.thrume.transport.EventFrame;
import io.vertx.core.Future;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Puts one conversation's message events in seq order on this node, each once. Messages are
 * published by whichever node stored them, so two nodes' events can cross on the way; a message
 * that arrives ahead of a gap waits up to {@code gapWaitMs} for the missing ones, then the gap is
 * filled from the store (seqs are gap-free and committed in order, so whatever is below a
 * received seq is there to read). A repeated event (a republished retry, a late arrival after a
 * repair) is dropped.
 *
 * <p>Where it starts: the conversation's last seq when the node began delivering it (asked of
 * the store once, when its first socket here subscribes; events wait for the answer), or the
 * first event held by then, whichever is lower. An event older than the start that comes in late
 * (committed before the node began, published after) is still delivered once, out of order: the
 * one case where order yields to completeness. Without an answer the first event sets the start.
 *
 * <p>Not thread-safe: used on the fan-out's context only.
 */
public final class Sequencer {
  /** At most this many events wait behind a gap; past it the gap is given up (clients sync it). */
  static final int MAX_HELD = 1000;
  /** Gaps wider than this are not read from the store: clients notice them and sync. */
  static final int MAX_REPAIR = 200;
  private static final int MAX_LATE = 64;

  /** What a sequencer needs around it. */
  interface Output {
    void deliver(EventFrame frame);

    /** The frames of the messages with seq in [from, to), in seq order. */
    Future<List<Sequenced>> fetch(long from, long to);

    long setTimer(long delayMs, Runnable action);

    void cancelTimer(long id);

    /** Counts for the meters. */
    void counted(Outcome outcome, int n);
  }

  /** A frame with its message's seq. */
  record Sequenced(long seq, EventFrame frame) {
  }

  public enum Outcome { DUPLICATE, HELD, REPAIRED, SKIPPED }

  private final Output out;
  private final long gapWaitMs;
  /** The lowest seq delivered here, and one past the highest: everything in [first, next) was delivered. */
  private long first = -1;
  private long next = -1;
  private TreeMap<Long, EventFrame> held;
  private long timer = -1;
  private boolean repairing;
  /** Seqs below {@link #first} delivered late (rare, so a small set). */
  private Set<Long> late;
  /** Events wait for {@link #start} (the conversation's last seq) before any is delivered. */
  private boolean starting;

  /** Starting from the first event. */
  Sequencer(Output out, long gapWaitMs) {
    this(out, gapWaitMs, false);
  }

  /** With {@code awaitStart}, holds events until {@link #start} or {@link #startUnknown}. */
  Sequencer(Output out, long gapWaitMs, boolean awaitStart) {
    this.out = out;
    this.gapWaitMs = gapWaitMs;
    this.starting = awaitStart;
  }

  /** The conversation's last seq when this node began delivering it: what comes after is due here. */
  void start(long lastSeq) {
    if (!starting) {
      return;
    }
    starting = false;
    long from = held == null || held.isEmpty() ? lastSeq + 1 : Math.min(lastSeq + 1, held.firstKey());
    first = from;
    next = from;
    if (held != null && !held.isEmpty()) {
      drain();
      if (!held.isEmpty() && timer < 0) {
        timer = out.setTimer(gapWaitMs, this::repair);
      }
    }
  }

  /** Where the conversation stood could not be learnt: the first event held (or to come) sets the start. */
  void startUnknown() {
    if (!starting) {
      return;
    }
    if (held == null || held.isEmpty()) {
      starting = false;
    } else {
      start(held.firstKey() - 1);
    }
  }

  boolean starting() {
    return starting;
  }

  void offer(long seq, EventFrame frame) {
    if (starting) {
      if (held == null) {
        held = new TreeMap<>();
      }
      held.putIfAbsent(seq, frame);
      if (held.size() > MAX_HELD) {
        startUnknown();
      }
      return;
    }
    if (next < 0) {
      first = seq;
      next = seq + 1;
      out.deliver(frame);
      return;
    }
    if (seq < next) {
      deliverLateOrDrop(seq, frame);
      return;
    }
    if (seq == next && !waiting()) {
      out.deliver(frame);
      next++;
      return;
    }
    if (held == null) {
      held = new TreeMap<>();
    }
    if (held.putIfAbsent(seq, frame) != null) {
      out.counted(Outcome.DUPLICATE, 1);
      return;
    }
    out.counted(Outcome.HELD, 1);
    if (repairing) {
      return;
    }
    drain();
    if (held.size() > MAX_HELD) {
      skipGap();
    } else if (!held.isEmpty() && timer < 0) {
      timer = out.setTimer(gapWaitMs, this::repair);
    }
  }

  private boolean waiting() {
    return repairing || (held != null && !held.isEmpty());
  }

  private void deliverLateOrDrop(long seq, EventFrame frame) {
    if (seq >= first) {
      out.counted(Outcome.DUPLICATE, 1);
      return;
    }
    if (late == null) {
      late = new HashSet<>();
    }
    if (late.size() >= MAX_LATE) {
      // only the first moments of a subscription see late events; forgetting old ones is safe then
      late.clear();
    }
    if (late.add(seq)) {
      out.deliver(frame);
    } else {
      out.counted(Outcome.DUPLICATE, 1);
    }
  }

  /** Delivers the held events that follow on from what was delivered. */
  private void drain() {
    while (!held.isEmpty() && held.firstKey() <= next) {
      Map.Entry<Long, EventFrame> e = held.pollFirstEntry();
      if (e.getKey() == next) {
        out.deliver(e.getValue());
        next++;
      } else {
        out.counted(Outcome.DUPLICATE, 1);
      }
    }
    if (held.isEmpty() && timer >= 0) {
      out.cancelTimer(timer);
      timer = -1;
    }
  }

  /** The gap did not fill in time: read it from the store. */
  private void repair() {
    timer = -1;
    if (held == null || held.isEmpty() || repairing) {
      return;
    }
    long from = next;
    long to = held.firstKey();
    if (to - from > MAX_REPAIR) {
      skipGap();
      return;
    }
    repairing = true;
    out.fetch(from, to).onComplete(ar -> {
      repairing = false;
      if (ar.succeeded()) {
        int repaired = 0;
        for (Sequenced s : ar.result()) {
          if (s.seq() == next && s.seq() < to) {
            out.deliver(s.frame());
            next++;
            repaired++;
          }
        }
        out.counted(Outcome.REPAIRED, repaired);
      }
      if (next < to) {
        // the store could not say (or had less): clients notice the gap by seq and sync it
        out.counted(Outcome.SKIPPED, (int) (to - next));
        next = to;
      }
      drain();
      if (!held.isEmpty() && timer < 0) {
        timer = out.setTimer(gapWaitMs, this::repair);
      }
    });
  }

  /** Gives up a gap: delivers what is held, in order, from the first held seq on. */
  private void skipGap() {
    if (timer >= 0) {
      out.cancelTimer(timer);
      timer = -1;
    }
    long to = held.firstKey();
    out.counted(Outcome.SKIPPED, (int) Math.min(Integer.MAX_VALUE, to - next));
    next = to;
    drain();
    if (!held.isEmpty()) {
      timer = out.setTimer(gapWaitMs, this::repair);
    }
  }
}

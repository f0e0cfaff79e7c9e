package io.thrume.fanout;

import io.thrume.transport.EventFrame;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A conversation's messages reach a node's sockets in seq order, each once, whatever order they arrive in. */
class SequencerTest {

  /** Records deliveries; timers fire when the test says; store reads answer when the test says. */
  static final class Recorder implements Sequencer.Output {
    final List<Long> delivered = new ArrayList<>();
    final Map<Long, Runnable> timers = new HashMap<>();
    final List<long[]> fetches = new ArrayList<>();
    Promise<List<Sequencer.Sequenced>> pendingFetch;
    final Map<Sequencer.Outcome, Integer> counts = new EnumMap<>(Sequencer.Outcome.class);
    long nextTimer;

    @Override
    public void deliver(EventFrame frame) {
      delivered.add(Long.parseLong(frame.payload().toString()));
    }

    @Override
    public Future<List<Sequencer.Sequenced>> fetch(long from, long to) {
      fetches.add(new long[]{from, to});
      pendingFetch = Promise.promise();
      return pendingFetch.future();
    }

    @Override
    public long setTimer(long delayMs, Runnable action) {
      timers.put(nextTimer, action);
      return nextTimer++;
    }

    @Override
    public void cancelTimer(long id) {
      timers.remove(id);
    }

    @Override
    public void counted(Sequencer.Outcome outcome, int n) {
      counts.merge(outcome, n, Integer::sum);
    }

    void fireTimers() {
      List<Runnable> due = new ArrayList<>(timers.values());
      timers.clear();
      due.forEach(Runnable::run);
    }

    void answerFetch(long... seqs) {
      List<Sequencer.Sequenced> frames = new ArrayList<>();
      for (long seq : seqs) {
        frames.add(new Sequencer.Sequenced(seq, frame(seq)));
      }
      pendingFetch.complete(frames);
    }
  }

  static EventFrame frame(long seq) {
    return new EventFrame(Buffer.buffer(Long.toString(seq)));
  }

  @Test
  void inOrderEventsPassStraightThrough() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    for (long seq = 7; seq <= 10; seq++) {
      s.offer(seq, frame(seq));
    }
    assertEquals(List.of(7L, 8L, 9L, 10L), out.delivered);
    assertTrue(out.timers.isEmpty());
  }

  @Test
  void anEventAheadOfAGapWaitsForTheMissingOne() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    s.offer(1, frame(1));
    s.offer(3, frame(3));
    s.offer(4, frame(4));
    assertEquals(List.of(1L), out.delivered, "3 and 4 wait for 2");
    assertEquals(1, out.timers.size());
    s.offer(2, frame(2));
    assertEquals(List.of(1L, 2L, 3L, 4L), out.delivered);
    assertTrue(out.timers.isEmpty(), "the gap closed: no repair");
    assertTrue(out.fetches.isEmpty());
  }

  @Test
  void aGapThatDoesNotCloseIsReadFromTheStoreAndTheLateCopyIsDropped() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    s.offer(1, frame(1));
    s.offer(4, frame(4));
    out.fireTimers();
    assertEquals(1, out.fetches.size());
    assertEquals(2, out.fetches.get(0)[0]);
    assertEquals(4, out.fetches.get(0)[1]);
    s.offer(5, frame(5));
    assertEquals(List.of(1L), out.delivered, "nothing overtakes the repair");
    out.answerFetch(2, 3);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), out.delivered);
    s.offer(3, frame(3));
    s.offer(5, frame(5));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), out.delivered, "late and repeated copies are dropped");
    assertEquals(2, out.counts.get(Sequencer.Outcome.DUPLICATE));
    assertEquals(2, out.counts.get(Sequencer.Outcome.REPAIRED));
  }

  @Test
  void whenTheStoreCannotSayTheGapIsGivenUpAndTheRestFlows() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    s.offer(10, frame(10));
    s.offer(12, frame(12));
    out.fireTimers();
    out.pendingFetch.fail("database down");
    assertEquals(List.of(10L, 12L), out.delivered);
    assertEquals(1, out.counts.get(Sequencer.Outcome.SKIPPED));
    s.offer(13, frame(13));
    assertEquals(List.of(10L, 12L, 13L), out.delivered);
  }

  @Test
  void anEventOlderThanTheFirstDeliveredIsStillDeliveredOnce() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    s.offer(5, frame(5));
    s.offer(4, frame(4));
    s.offer(4, frame(4));
    s.offer(6, frame(6));
    assertEquals(List.of(5L, 4L, 6L), out.delivered, "4 came late but was never delivered here: once");
  }

  @Test
  void aRepeatedEventIsDropped() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    s.offer(1, frame(1));
    s.offer(2, frame(2));
    s.offer(2, frame(2));
    s.offer(1, frame(1));
    assertEquals(List.of(1L, 2L), out.delivered);
    assertEquals(2, out.counts.get(Sequencer.Outcome.DUPLICATE));
  }

  @Test
  void tooManyHeldEventsGiveTheGapUp() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    s.offer(1, frame(1));
    for (long seq = 3; seq <= Sequencer.MAX_HELD + 3; seq++) {
      s.offer(seq, frame(seq));
    }
    assertEquals(Sequencer.MAX_HELD + 2, out.delivered.size(), "all but the missing 2");
    assertEquals(3L, out.delivered.get(1));
  }

  @Test
  void aWideGapIsNotReadFromTheStore() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100);
    s.offer(1, frame(1));
    s.offer(Sequencer.MAX_REPAIR + 10, frame(Sequencer.MAX_REPAIR + 10));
    out.fireTimers();
    assertTrue(out.fetches.isEmpty(), "clients sync a gap that wide themselves");
    assertEquals(List.of(1L, (long) Sequencer.MAX_REPAIR + 10), out.delivered);
  }

  @Test
  void eventsWaitForWhereTheConversationStoodThenGoInOrder() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100, true);
    s.offer(12, frame(12));
    s.offer(11, frame(11));
    assertTrue(out.delivered.isEmpty(), "nothing before the start is known");
    s.start(10);
    assertEquals(List.of(11L, 12L), out.delivered, "the first two messages crossed on the way: in order all the same");
    s.offer(13, frame(13));
    assertEquals(List.of(11L, 12L, 13L), out.delivered);
  }

  @Test
  void aStartAboveTheFirstHeldEventStartsFromThatEvent() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100, true);
    s.offer(9, frame(9));
    s.offer(10, frame(10));
    s.start(10);
    assertEquals(List.of(9L, 10L), out.delivered, "published before the answer, so due here: delivered");
  }

  @Test
  void aGapAfterTheStartIsWaitedForAndRepaired() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100, true);
    s.offer(13, frame(13));
    s.start(10);
    assertTrue(out.delivered.isEmpty(), "11 and 12 are due first");
    out.fireTimers();
    out.answerFetch(11, 12);
    assertEquals(List.of(11L, 12L, 13L), out.delivered);
  }

  @Test
  void withoutAStartTheFirstEventSetsIt() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100, true);
    s.offer(21, frame(21));
    s.offer(20, frame(20));
    s.startUnknown();
    assertEquals(List.of(20L, 21L), out.delivered);
    Sequencer empty = new Sequencer(out, 100, true);
    empty.startUnknown();
    empty.offer(5, frame(5));
    assertEquals(5L, out.delivered.get(out.delivered.size() - 1));
  }

  @Test
  void anEventCommittedBeforeTheStartButPublishedAfterIsStillDeliveredOnce() {
    Recorder out = new Recorder();
    Sequencer s = new Sequencer(out, 100, true);
    s.start(10);
    s.offer(11, frame(11));
    s.offer(10, frame(10));
    s.offer(10, frame(10));
    assertEquals(List.of(11L, 10L), out.delivered);
  }
}

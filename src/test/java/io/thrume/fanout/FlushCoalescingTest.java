package io.thrume.fanout;

import io.thrume.transport.EventFrame;
import io.thrume.support.TestThrume;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Events written to a socket in the same pass of its event loop go out with one flush (one write
 * syscall) instead of one each; a lone event is still flushed right after it.
 */
class FlushCoalescingTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    TestThrume.await(vertx.close(), 10);
  }

  /** A transport that keeps writes unflushed like the raw WebSocket one, and counts flushes. */
  static final class CountingTransport extends SlowConsumerPolicyTest.QueueTransport {
    final List<String> pending = new ArrayList<>();
    int flushes;

    @Override
    public boolean writeEvent(EventFrame frame) {
      pending.add(frame.payload().toString());
      return pending.size() == 1;
    }

    @Override
    public void flush() {
      flushes++;
      written.addAll(pending);
      pending.clear();
    }
  }

  @Test
  void eventsOfOnePassShareOneFlush() {
    Context context = vertx.getOrCreateContext();
    LoopHub hub = new LoopHub(context);
    CountingTransport first = new CountingTransport();
    CountingTransport second = new CountingTransport();
    LoopHub.Counts counts = (sockets, slow) -> { };
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      for (CountingTransport t : List.of(first, second)) {
        ClientSocket socket = new ClientSocket("s" + t.hashCode(), "u", context, t, 10, Long.MAX_VALUE, () -> { });
        hub.add(socket);
        hub.subscribe("conversation.c", socket);
      }
      // three events handed to the loop in one pass, as when they queue up under load
      for (int i = 1; i <= 3; i++) {
        hub.deliver("conversation.c", new EventFrame(Buffer.buffer("m" + i)), EventKind.ESSENTIAL, null, counts);
      }
      assertEquals(0, first.flushes, "nothing flushed while the pass goes on");
      context.runOnContext(w -> done.complete());
    });
    TestThrume.await(done.future(), 10);
    for (CountingTransport t : List.of(first, second)) {
      assertEquals(1, t.flushes, "one flush for the three events");
      assertEquals(List.of("m1", "m2", "m3"), t.written);
    }

    Promise<Void> alone = Promise.promise();
    context.runOnContext(v -> {
      hub.deliver("conversation.c", new EventFrame(Buffer.buffer("m4")), EventKind.ESSENTIAL, null, counts);
      context.runOnContext(w -> alone.complete());
    });
    TestThrume.await(alone.future(), 10);
    assertEquals(2, first.flushes, "a lone event is flushed in the next task");
    assertEquals(List.of("m1", "m2", "m3", "m4"), first.written);
  }
}

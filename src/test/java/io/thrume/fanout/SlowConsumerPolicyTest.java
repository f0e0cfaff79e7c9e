package io.thrume.fanout;

import io.thrume.transport.Transport;
import io.thrume.transport.EventFrame;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slow-consumer policy of one socket, on a transport whose queue we fill and drain at will
 * (the real transports are exercised end to end in BridgeLimitsTest; what is dropped, held back or
 * closed is easier to see here).
 */
class SlowConsumerPolicyTest {

  /** A transport that records writes and whose queue is full while we say so. */
  static class QueueTransport implements Transport {
    final List<String> written = new ArrayList<>();
    boolean full;
    boolean aborted;
    boolean paused;
    Handler<Void> drain;

    @Override
    public void write(Buffer frame) {
      written.add(frame.toString());
    }

    @Override
    public boolean writeQueueFull() {
      return full;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
      drain = handler;
    }

    @Override
    public void frameHandler(Handler<Buffer> handler) {
    }

    @Override
    public void closeHandler(Handler<Void> handler) {
    }

    @Override
    public void pause() {
      paused = true;
    }

    @Override
    public void resume() {
      paused = false;
    }

    @Override
    public void close(int code, String reason) {
    }

    @Override
    public void abort() {
      aborted = true;
    }

    void drained() {
      full = false;
      drain.handle(null);
    }
  }

  static EventFrame event(String text) {
    return new EventFrame(Buffer.buffer(text));
  }

  @Test
  void typingIsDroppedPresenceCoalescedAndMessagesKeptWhileBehind() {
    QueueTransport transport = new QueueTransport();
    ClientSocket socket = new ClientSocket("s1", "u1", null, transport, 5, Long.MAX_VALUE, () -> { });
    assertEquals(ClientSocket.Offer.DONE, socket.offer(event("message-1"), EventKind.ESSENTIAL, null));
    transport.full = true;
    socket.offer(event("typing-a"), EventKind.TYPING, null);
    socket.offer(event("presence-bob-online"), EventKind.PRESENCE, "bob");
    socket.offer(event("presence-bob-away"), EventKind.PRESENCE, "bob");
    socket.offer(event("presence-carol-online"), EventKind.PRESENCE, "carol");
    assertEquals(ClientSocket.Offer.DONE, socket.offer(event("message-2"), EventKind.ESSENTIAL, null));
    assertEquals(List.of("message-1", "message-2"), transport.written, "typing dropped, presence held, messages kept");
    transport.drained();
    assertEquals(List.of("message-1", "message-2", "presence-bob-away", "presence-carol-online"), transport.written,
      "after the drain, only the newest presence per user");
  }

  @Test
  void aSocketThatStaysBehindIsDroppedAtOnce() {
    QueueTransport transport = new QueueTransport();
    ClientSocket socket = new ClientSocket("s1", "u1", null, transport, 3, Long.MAX_VALUE, () -> { });
    transport.full = true;
    for (int i = 0; i < 3; i++) {
      assertEquals(ClientSocket.Offer.DONE, socket.offer(event("m" + i), EventKind.ESSENTIAL, null));
    }
    assertEquals(ClientSocket.Offer.CLOSED_AS_SLOW, socket.offer(event("m3"), EventKind.ESSENTIAL, null), "one more than allowed while full");
    assertTrue(transport.aborted, "dropped without a closing handshake");
    assertTrue(socket.isClosed());
    socket.offer(event("m4"), EventKind.ESSENTIAL, null);
    assertEquals(3, transport.written.size(), "nothing more is written");
  }

  @Test
  void catchingUpResetsTheAllowance() {
    QueueTransport transport = new QueueTransport();
    ClientSocket socket = new ClientSocket("s1", "u1", null, transport, 2, Long.MAX_VALUE, () -> { });
    transport.full = true;
    socket.offer(event("m1"), EventKind.ESSENTIAL, null);
    socket.offer(event("m2"), EventKind.ESSENTIAL, null);
    transport.drained();
    transport.full = true;
    socket.offer(event("m3"), EventKind.ESSENTIAL, null);
    socket.offer(event("m4"), EventKind.ESSENTIAL, null);
    assertFalse(socket.isClosed(), "the drain forgave the earlier backlog");
  }

  @Test
  void repliesCountTooAndPastTheAllowanceTheSocketIsDropped() {
    QueueTransport transport = new QueueTransport();
    int[] dropped = {0};
    ClientSocket socket = new ClientSocket("s1", "u1", null, transport, 100, 10, () -> dropped[0]++);
    transport.full = true;
    socket.send(Buffer.buffer("reply-1"));
    assertEquals(List.of("reply-1"), transport.written, "a reply is never dropped while within the allowance");
    assertTrue(transport.paused, "a socket whose queue is full is not read");
    socket.send(Buffer.buffer("reply-2"));
    assertTrue(transport.aborted, "past the allowance (10 bytes) the socket goes");
    assertEquals(1, dropped[0]);
    assertEquals(List.of("reply-1"), transport.written);
  }

  @Test
  void framesWaitWhileTheQueueIsFullAndComeInOrderWhenItDrains() {
    QueueTransport transport = new QueueTransport();
    List<String> acted = new ArrayList<>();
    ClientSocket socket = new ClientSocket("s1", "u1", null, transport, 100, Long.MAX_VALUE, () -> { });
    socket.reader(frame -> acted.add(frame.toString()));
    socket.read(Buffer.buffer("a"));
    transport.full = true;
    socket.send(Buffer.buffer("big reply"));
    socket.read(Buffer.buffer("b"));
    socket.read(Buffer.buffer("c"));
    assertEquals(List.of("a"), acted, "nothing is acted on while the client does not read its answers");
    assertTrue(transport.paused);
    transport.drained();
    assertEquals(List.of("a", "b", "c"), acted);
    assertTrue(!transport.paused);
  }

  @Test
  void atMostSixteenRequestsAreAnsweredAtOnce() {
    QueueTransport transport = new QueueTransport();
    List<String> acted = new ArrayList<>();
    ClientSocket socket = new ClientSocket("s1", "u1", null, transport, 100, Long.MAX_VALUE, () -> { });
    socket.reader(frame -> {
      acted.add(frame.toString());
      socket.requestStarted();
    });
    for (int i = 0; i < 20; i++) {
      socket.read(Buffer.buffer("r" + i));
    }
    assertEquals(ClientSocket.MAX_IN_FLIGHT, acted.size());
    assertTrue(transport.paused);
    socket.requestDone();
    assertEquals(ClientSocket.MAX_IN_FLIGHT + 1, acted.size(), "one answered, one more taken");
    for (int i = 0; i < 3; i++) {
      socket.requestDone();
    }
    assertEquals(20, acted.size());
  }
}

package io.thrume.fanout;

import io.thrume.bus.Addresses;
import io.thrume.support.TestThrume;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The events a node publishes in one event-loop turn leave as one event-bus message (one TCP write
 * to each other node, one wake-up there), in the order they were published, and each arrives as
 * it was sent.
 */
class EventBundleTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    TestThrume.await(vertx.close(), 10);
  }

  /** What one event-bus message on the fan-out address carried, entry by entry. */
  private static List<String> entries(Message<Object> message) {
    return entries((EventBundle) message.body());
  }

  private static List<String> entries(EventBundle bundle) {
    List<String> out = new ArrayList<>();
    for (EventBundle.Entry e : bundle.entries()) {
      out.add(e.route() + " " + e.address() + " " + e.kind() + " " + e.seq() + " " + (e.committed() > 0) + " "
        + e.body().toString());
    }
    return out;
  }

  @Test
  void eventsOfOneTurnLeaveTogetherInOrderAndEachArrivesAsSent() throws Exception {
    List<List<String>> received = new CopyOnWriteArrayList<>();
    TestThrume.await(vertx.eventBus().<Object>consumer(Addresses.FANOUT, m -> received.add(entries(m))).completion(), 10);
    JsonObject message = new JsonObject().put("seq", 7).put("text", "héllo 👋").put("conversationId", "c1");
    Promise<Void> published = Promise.promise();
    vertx.runOnContext(v -> {
      Events.publish(vertx.eventBus(), "conversation.c1", ClientEvent.message(message));
      Events.publish(vertx.eventBus(), "conversation.c1", ClientEvent.typing("u1", true));
      Events.broadcast(vertx.eventBus(), "thrume.some.service", new JsonObject().put("node", "n1"));
      Events.publish(vertx.eventBus(), "user.u2", ClientEvent.unread("c1", 3));
      published.complete();
    });
    TestThrume.await(published.future(), 10);
    waitFor(() -> !received.isEmpty());
    Thread.sleep(200); // nothing else may follow: the four left as one
    assertEquals(1, received.size(), "one event-bus message for one turn's events: " + received);
    List<String> bundle = received.get(0);
    assertEquals(4, bundle.size(), bundle.toString());
    assertEquals("1 conversation.c1 ESSENTIAL 7 true {\"type\":\"rec\",\"address\":\"conversation.c1\",\"body\":"
      + "{\"type\":\"message\",\"message\":{\"seq\":7,\"text\":\"héllo 👋\",\"conversationId\":\"c1\"}}}", bundle.get(0));
    assertEquals("1 conversation.c1 TYPING -1 false {\"type\":\"rec\",\"address\":\"conversation.c1\",\"body\":"
      + "{\"type\":\"typing\",\"userId\":\"u1\",\"typing\":true}}", bundle.get(1));
    assertEquals("2 thrume.some.service ESSENTIAL -1 false {\"node\":\"n1\"}", bundle.get(2));
    assertTrue(bundle.get(3).startsWith("1 user.u2 ESSENTIAL -1 false "), bundle.get(3));
  }

  @Test
  void eventsOfSeparateTurnsOrFromOtherThreadsLeaveAtOnce() throws Exception {
    List<List<String>> received = new CopyOnWriteArrayList<>();
    String address = Addresses.FANOUT;
    Vertx own = Vertx.vertx();
    try {
      TestThrume.await(own.eventBus().<Object>consumer(address, m -> received.add(entries(m))).completion(), 10);
      // a thread of no event loop (a driver's, a test's): nothing would flush later, so it leaves now
      Events.publish(own.eventBus(), "user.a", ClientEvent.unread("c", 1));
      waitFor(() -> received.size() == 1);
      own.runOnContext(v -> Events.publish(own.eventBus(), "user.b", ClientEvent.unread("c", 2)));
      waitFor(() -> received.size() == 2);
      own.runOnContext(v -> Events.publish(own.eventBus(), "user.c", ClientEvent.unread("c", 3)));
      waitFor(() -> received.size() == 3);
      assertEquals(List.of(1, 1, 1), received.stream().map(List::size).toList());
      assertTrue(received.get(2).get(0).startsWith("1 user.c "), received.toString());
    } finally {
      TestThrume.await(own.close(), 10);
    }
  }

  @Test
  void withinTheNodeTheBundleIsHandedOverAsPublished() throws Exception {
    List<EventBundle> received = new CopyOnWriteArrayList<>();
    TestThrume.await(vertx.eventBus().<Object>consumer(Addresses.FANOUT, m -> received.add((EventBundle) m.body()))
      .completion(), 10);
    Buffer frame = Buffer.buffer("{\"type\":\"rec\",\"address\":\"user.local\",\"body\":{}}");
    vertx.runOnContext(v -> Outbox.publish(vertx.eventBus(),
      new EventBundle.Entry(EventBundle.TO, "user.local", EventKind.ESSENTIAL, ClientEvent.NO_SEQ, 0, frame)));
    waitFor(() -> received.stream().anyMatch(b -> b.entries().get(0).address().equals("user.local")));
    EventBundle bundle = received.stream().filter(b -> b.entries().get(0).address().equals("user.local")).findFirst()
      .orElseThrow();
    // no encoding, copy or decoding on the node's own path: the very frame the service made
    assertSame(frame, bundle.entries().get(0).body());
    assertFalse(bundle.fromOtherNode());
  }

  @Test
  void aBundleForAnotherNodeReadsBackEntryByEntryWhereverItStartsInTheMessage() {
    EventBundle.Codec codec = new EventBundle.Codec();
    EventBundle bundle = new EventBundle(List.of(
      new EventBundle.Entry(EventBundle.TO, "conversation.c9", EventKind.ESSENTIAL, 42, 1_700_000_000_000_000L,
        Buffer.buffer("{\"text\":\"héllo 👋\"}")),
      new EventBundle.Entry(EventBundle.FORWARD, "thrume.limit.report", EventKind.ESSENTIAL, ClientEvent.NO_SEQ, 0,
        Buffer.buffer("{}")),
      new EventBundle.Entry(EventBundle.TO, "user.u1", EventKind.TYPING, ClientEvent.NO_SEQ, 0, Buffer.buffer())), false);
    // the event bus writes its own header first and may write more after: the codec keeps to its part
    Buffer wire = Buffer.buffer("header").appendString("-");
    int at = wire.length();
    codec.encodeToWire(wire, bundle);
    wire.appendString("trailer");
    EventBundle back = codec.decodeFromWire(at, wire);
    assertEquals(entries(bundle), entries(back));
    assertTrue(back.fromOtherNode(), "read from the wire: another node's");
    assertEquals(1_700_000_000_000_000L, back.entries().get(0).committed());
    assertNotSame(bundle.entries().get(0).body(), back.entries().get(0).body());
    // a body read from the wire is its own copy: the message it came in may be reused
    wire.setByte(at + 4 + 20 + "conversation.c9".length() + 4, (byte) 'X');
    assertEquals("{\"text\":\"héllo 👋\"}", back.entries().get(0).body().toString());
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out");
      }
      Thread.sleep(10);
    }
  }
}

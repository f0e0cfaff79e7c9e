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
  private static List<String> entries(Message<Buffer> message) {
    List<String> out = new ArrayList<>();
    EventBundle.decode(message.body(), (route, address, kind, seq, committed, body) ->
      out.add(route + " " + address + " " + kind + " " + seq + " " + (committed > 0) + " " + body.toString()));
    return out;
  }

  @Test
  void eventsOfOneTurnLeaveTogetherInOrderAndEachArrivesAsSent() throws Exception {
    List<List<String>> received = new CopyOnWriteArrayList<>();
    TestThrume.await(vertx.eventBus().<Buffer>consumer(Addresses.FANOUT, m -> received.add(entries(m))).completion(), 10);
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
      TestThrume.await(own.eventBus().<Buffer>consumer(address, m -> received.add(entries(m))).completion(), 10);
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

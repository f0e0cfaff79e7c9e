package io.thrume.fanout;

import io.thrume.transport.Frames;
import io.thrume.bus.Addresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * How a service publishes an event for clients. The event is encoded once, into the bridge frame
 * clients receive, and published on {@link Addresses#FANOUT}: every node gets it and hands it to
 * its own sockets on that address, routing by headers without parsing the body.
 * <ul>
 *   <li>{@value #TO}: the client address (conversation.&lt;id&gt;, user.&lt;id&gt;);</li>
 *   <li>{@value #SEQ}: a message's seq, so each node delivers a conversation's messages in order, once;</li>
 *   <li>{@value #KIND}: "typing" or "presence" (what a slow socket may drop or coalesce), absent otherwise;</li>
 *   <li>{@value #COMMITTED}: a message's commit time ({@link #nowMicros()}, when it is published, right after
 *   the store answered that it committed), for the delivery-latency histogram;</li>
 *   <li>{@value #WATCHED}: instead of {@value #TO}, a presence change for the watchers of that user; the
 *   body is then the event itself, since each watcher gets it on its own user address;</li>
 *   <li>{@value #FORWARD}: not for clients: a message for that (local) service address on every node
 *   ({@link #broadcast}).</li>
 * </ul>
 */
public final class Events {
  static final String TO = "to";
  static final String SEQ = "seq";
  static final String KIND = "kind";
  static final String WATCHED = "watched";
  static final String FORWARD = "forward";
  static final String COMMITTED = "committed";
  /** Wall-clock microseconds at {@link #CLOCK_NANOS}: comparable across nodes (as their clocks are). */
  private static final long CLOCK_MICROS;
  private static final long CLOCK_NANOS;

  static {
    java.time.Instant now = java.time.Instant.now();
    CLOCK_NANOS = System.nanoTime();
    CLOCK_MICROS = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }

  private Events() {
  }

  /**
   * Microseconds since the epoch, read without allocating: the wall clock once, then the JVM's
   * monotonic clock. Between nodes it is as close as their clocks were when each started.
   */
  public static long nowMicros() {
    return CLOCK_MICROS + (System.nanoTime() - CLOCK_NANOS) / 1000;
  }

  /** Publishes an event on a client address, to the sockets of every node that registered it. */
  public static void publish(EventBus bus, String address, ClientEvent event) {
    DeliveryOptions options = new DeliveryOptions().addHeader(TO, address);
    if (event.kind() != EventKind.ESSENTIAL) {
      options.addHeader(KIND, event.kind().header());
    }
    if (event.seq() != ClientEvent.NO_SEQ) {
      options.addHeader(SEQ, Long.toString(event.seq())).addHeader(COMMITTED, Long.toString(nowMicros()));
    }
    bus.publish(Addresses.FANOUT, Frames.rec(address, event.body()), options);
  }

  /**
   * Sends a message to a service on every node, this one included: it rides the fan-out address, so
   * it reaches exactly the nodes that receive events (see {@code Probe}) and needs no cluster
   * registration of its own.
   */
  public static void broadcast(EventBus bus, String serviceAddress, JsonObject body) {
    bus.publish(Addresses.FANOUT, Frames.utf8(body), new DeliveryOptions().addHeader(FORWARD, serviceAddress));
  }

  /**
   * Hands a presence change to this node's sockets that watch the user (each node's presence
   * service does this when it learns of a change, so it crosses the cluster once).
   */
  public static void toWatchers(EventBus bus, String userId, ClientEvent event) {
    bus.publish(Addresses.FANOUT, Frames.utf8(event.body()), new DeliveryOptions().setLocalOnly(true)
      .addHeader(WATCHED, userId).addHeader(KIND, event.kind().header()));
  }
}

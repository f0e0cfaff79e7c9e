package io.thrume.fanout;

import io.thrume.transport.Frames;
import io.thrume.bus.Addresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * How a service publishes an event for clients. The event is encoded once, into the bridge frame
 * clients receive, and published on {@link Addresses#FANOUT} with the others of the same
 * event-loop turn ({@link Outbox}, {@link EventBundle}): every node gets it and hands it to its own
 * sockets on that address, routing by the entry's address, kind and seq without parsing the body.
 * A message's entry also carries its commit time ({@link #nowMicros()}, taken when it is
 * published, right after the store answered that it committed), for the delivery-latency
 * histogram. A presence change for watchers stays on its node and travels alone, with the header
 * {@value #WATCHED}: the user whose watchers get the body, each on its own user address.
 */
public final class Events {
  static final String WATCHED = "watched";
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

  /**
   * Publishes an event on a client address, to the sockets of every node that registered it. It
   * leaves at the end of this event-loop turn, with the others published in it ({@link Outbox}).
   */
  public static void publish(EventBus bus, String address, ClientEvent event) {
    long committed = event.seq() == ClientEvent.NO_SEQ ? 0 : nowMicros();
    Outbox.publish(bus, new EventBundle.Entry(EventBundle.TO, address, event.kind(), event.seq(), committed,
      Frames.rec(address, event.body())));
  }

  /**
   * Sends a message to a service on every node, this one included: it rides the fan-out address, so
   * it reaches exactly the nodes that receive events (see {@code Probe}) and needs no cluster
   * registration of its own, in order with the events published around it.
   */
  public static void broadcast(EventBus bus, String serviceAddress, JsonObject body) {
    Outbox.publish(bus, new EventBundle.Entry(EventBundle.FORWARD, serviceAddress, EventKind.ESSENTIAL,
      ClientEvent.NO_SEQ, 0, Frames.utf8(body)));
  }

  /**
   * {@link #broadcast} to the other nodes only, for what a node tells the others about itself (the
   * requests it let through for each rate-limit key, its login failures): its own fan-out would
   * parse the report only for the service to drop it.
   */
  public static void broadcastToOthers(EventBus bus, String serviceAddress, JsonObject body) {
    Outbox.publish(bus, new EventBundle.Entry(EventBundle.FORWARD_TO_OTHERS, serviceAddress, EventKind.ESSENTIAL,
      ClientEvent.NO_SEQ, 0, Frames.utf8(body)));
  }

  /**
   * Hands a presence change to this node's sockets that watch the user (each node's presence
   * service does this when it learns of a change, so it crosses the cluster once).
   */
  public static void toWatchers(EventBus bus, String userId, ClientEvent event) {
    bus.publish(Addresses.FANOUT, Frames.utf8(event.body()), new DeliveryOptions().setLocalOnly(true)
      .addHeader(WATCHED, userId));
  }
}

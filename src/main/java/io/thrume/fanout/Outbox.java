package io.thrume.fanout;

import io.thrume.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Where a node's events wait for the end of the event-loop turn that published them, then leave
 * together as one {@link EventBundle} on {@link Addresses#FANOUT}. A group commit stores several
 * messages at once and their events are published in one turn: on a cluster each other node then
 * reads and dispatches one event-bus message instead of one per event, and this node sends one.
 *
 * <p>One outbox per event bus (per node), whatever thread publishes: events leave in the order
 * they were published, across verticles, as they did one by one. Within the node the bundle is
 * handed over as it is; it is encoded only for the other nodes ({@link EventBundle.Codec}).
 */
final class Outbox {
  private static final Map<EventBus, Outbox> OUTBOXES = Collections.synchronizedMap(new WeakHashMap<>());
  /** Holds no reference to its bus: the map's key stays weak, and a closed Vert.x can go. */
  private List<EventBundle.Entry> pending = new ArrayList<>();

  private Outbox() {
  }

  /** Queues the entry in the bus's outbox; it leaves at the end of the caller's event-loop turn. */
  static void publish(EventBus bus, EventBundle.Entry entry) {
    OUTBOXES.computeIfAbsent(bus, b -> {
      EventBundle.registerCodec(b);
      return new Outbox();
    }).add(bus, entry);
  }

  private synchronized void add(EventBus bus, EventBundle.Entry entry) {
    pending.add(entry);
    if (pending.size() > 1) {
      return; // a flush is on its way
    }
    Context context = Vertx.currentContext();
    if (context == null) {
      flush(bus);
    } else {
      context.runOnContext(v -> flush(bus));
    }
  }

  /** Publishes under the lock, so that bundles from different threads leave in the order they were filled. */
  private synchronized void flush(EventBus bus) {
    if (pending.isEmpty()) {
      return;
    }
    List<EventBundle.Entry> leaving = pending;
    pending = new ArrayList<>();
    bus.publish(Addresses.FANOUT, new EventBundle(leaving, false));
  }
}

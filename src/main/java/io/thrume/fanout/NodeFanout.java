package io.thrume.fanout;

import io.thrume.bridge.Frames;
import io.thrume.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-node fan-out (DESIGN.md, "Fan-out"): one event-bus consumer per address per node, made
 * when the node's first socket registers it and removed when its last one leaves (so a
 * Hazelcast cluster sees one registration per conversation per node, never one per socket).
 * Each event is encoded into a frame once, then handed to every event loop that has sockets on
 * the address, which writes it to them. One idle sweep per event loop, no timer per socket.
 */
public final class NodeFanout {
  private final Vertx vertx;
  private final Viewers viewers;
  private final long idleTimeoutNanos;
  private final long sweepMs;
  private final ConcurrentHashMap<Context, LoopHub> hubs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ClientSocket> sockets = new ConcurrentHashMap<>();
  private final LongAdder deliveries = new LongAdder();
  private final LongAdder slowClosed = new LongAdder();
  private final LoopHub.Counts counts = (sockets, slow) -> {
    deliveries.add(sockets);
    if (slow > 0) {
      slowClosed.add(slow);
    }
  };

  /** One address on this node: its consumer, the loops with sockets on it, who is here. Guarded by itself. */
  private static final class Topic {
    final String address;
    MessageConsumer<Object> consumer;
    volatile LoopHub[] hubs = new LoopHub[0];
    final Map<LoopHub, Integer> socketsPerHub = new HashMap<>(2);
    /** Sockets per user on this node, for conversations: their first and last are reported to {@link Viewers}. */
    final Map<String, Integer> socketsPerUser = new HashMap<>(4);
    boolean removed;

    Topic(String address) {
      this.address = address;
    }
  }

  public NodeFanout(Vertx vertx, Viewers viewers, long idleTimeoutMs, long sweepMs) {
    this.vertx = vertx;
    this.viewers = viewers;
    this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
    this.sweepMs = sweepMs;
  }

  /** Adds a socket; call on the socket's own context. */
  public void add(ClientSocket socket) {
    hub(socket.context).add(socket);
    sockets.put(socket.id, socket);
  }

  /** Removes a closed socket and everything it registered; call on the socket's own context. */
  public void remove(ClientSocket socket) {
    socket.markClosed();
    if (sockets.remove(socket.id) == null) {
      return;
    }
    for (String address : List.copyOf(socket.addresses)) {
      unsubscribe(socket, address);
    }
    hub(socket.context).remove(socket);
  }

  public ClientSocket socket(String id) {
    return sockets.get(id);
  }

  public int openSockets() {
    return sockets.size();
  }

  public long deliveries() {
    return deliveries.sum();
  }

  /** Sockets closed because they could not keep up. */
  public long slowClosed() {
    return slowClosed.sum();
  }

  /** How many event-bus consumers this node holds for client addresses (one per address). */
  public int consumers() {
    return topics.size();
  }

  /** Registers the socket on an already authorized address; call on the socket's own context. */
  public void subscribe(ClientSocket socket, String address) {
    if (socket.isClosed() || !socket.addresses.add(address)) {
      return;
    }
    LoopHub hub = hub(socket.context);
    hub.subscribe(address, socket);
    boolean firstOfUser;
    while (true) {
      Topic topic = topics.computeIfAbsent(address, Topic::new);
      synchronized (topic) {
        if (topic.removed) {
          continue;
        }
        if (topic.socketsPerHub.merge(hub, 1, Integer::sum) == 1) {
          topic.hubs = topic.socketsPerHub.keySet().toArray(new LoopHub[0]);
        }
        if (topic.consumer == null) {
          topic.consumer = vertx.eventBus().consumer(address, message -> dispatch(topic, message));
        }
        firstOfUser = topic.socketsPerUser.merge(socket.userId, 1, Integer::sum) == 1;
      }
      break;
    }
    if (!address.startsWith(Addresses.CONVERSATION_PREFIX)) {
      return;
    }
    // who has the conversation open already: the newcomer missed their user.joined events
    Future<List<String>> here = firstOfUser ? viewers.joined(address, socket.userId) : viewers.present(address);
    here.onSuccess(users -> {
      for (String userId : users) {
        if (!userId.equals(socket.userId) && !socket.isClosed()) {
          socket.send(Frames.rec(address, new JsonObject().put("type", "user.joined").put("userId", userId)));
        }
      }
    });
  }

  /** Removes one registration; call on the socket's own context. */
  public void unsubscribe(ClientSocket socket, String address) {
    if (!socket.addresses.remove(address)) {
      return;
    }
    LoopHub hub = hub(socket.context);
    hub.unsubscribe(address, socket);
    Topic topic = topics.get(address);
    if (topic == null) {
      return;
    }
    boolean lastOfUser;
    synchronized (topic) {
      if (topic.socketsPerHub.merge(hub, -1, Integer::sum) <= 0) {
        topic.socketsPerHub.remove(hub);
        topic.hubs = topic.socketsPerHub.keySet().toArray(new LoopHub[0]);
      }
      lastOfUser = topic.socketsPerUser.merge(socket.userId, -1, Integer::sum) <= 0;
      if (lastOfUser) {
        topic.socketsPerUser.remove(socket.userId);
      }
      if (topic.socketsPerHub.isEmpty()) {
        topic.removed = true;
        topics.remove(address, topic);
        topic.consumer.unregister();
      }
    }
    if (lastOfUser && address.startsWith(Addresses.CONVERSATION_PREFIX)) {
      viewers.left(address, socket.userId);
    }
  }

  private void dispatch(Topic topic, Message<Object> message) {
    Object body = message.body();
    EventFrame frame = new EventFrame(Frames.rec(topic.address, body));
    EventKind kind = EventKind.of(body);
    String key = kind == EventKind.PRESENCE ? ((JsonObject) body).getString("userId") : null;
    Context current = Vertx.currentContext();
    Context here = current == null ? null : ((ContextInternal) current).unwrap();
    for (LoopHub hub : topic.hubs) {
      if (hub.context == here) {
        hub.deliver(topic.address, frame, kind, key, counts);
      } else {
        hub.context.runOnContext(v -> hub.deliver(topic.address, frame, kind, key, counts));
      }
    }
  }

  /**
   * The hub of a socket's event loop. Keyed by the loop's base context: Vert.x 5 runs each HTTP
   * request on a duplicate of it, and a hub (with its sweep timer) per duplicate would be a hub
   * per socket, with a task per socket for every event.
   */
  private LoopHub hub(Context context) {
    Context loop = ((ContextInternal) context).unwrap();
    return hubs.computeIfAbsent(loop, c -> {
      LoopHub hub = new LoopHub(c);
      // one sweep per event loop, on that loop, for all its sockets
      vertx.setPeriodic(sweepMs, id -> hub.silentFor(idleTimeoutNanos)
        .forEach(socket -> socket.close(1000, "silent for too long: ping at least every 15 s")));
      return hub;
    });
  }

  /** Event loops with bridge sockets on this node (at most the HTTP verticle's instances). */
  public int loops() {
    return hubs.size();
  }
}

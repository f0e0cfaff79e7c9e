package io.thrume.fanout;

import io.thrume.transport.EventFrame;
import io.thrume.transport.Frames;
import io.thrume.bus.Addresses;
import io.thrume.bus.Local;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Per-node fan-out (docs/architecture.md, "Fan-out"). Every event for clients reaches every node on one
 * address ({@link Addresses#FANOUT}, {@link Events}); each node keeps, in memory only, which of its
 * sockets registered which address, so a register or a watch is a local map change and never a
 * cluster registration (no lag, no Hazelcast operation). Each event was encoded once by its
 * publisher; it goes to every event loop with sockets on the address, which writes it to them.
 * A conversation's messages pass a {@link Sequencer}: in seq order, each once. One idle sweep
 * per event loop, no timer per socket.
 */
public final class NodeFanout {
  private static final String WATCH_PREFIX = "watch:";
  private static final long PROBE_TIMEOUT_MS = 60_000;
  /** How long a conversation's last seen seq stands for where it is (longer than any event's way between nodes). */
  static final long SEEN_MEMORY_MS = 30_000;
  private static final int MAX_SEEN = 200_000;
  private final Vertx vertx;
  private final long idleTimeoutNanos;
  /** The close reason of a socket the sweep finds silent (clients ping every 10 s). */
  private final String silentReason;
  private final long sweepMs;
  private final long gapWaitMs;
  private final ConcurrentHashMap<Context, LoopHub> hubs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ClientSocket> sockets = new ConcurrentHashMap<>();
  private final LongAdder deliveries = new LongAdder();
  private final LongAdder slowClosed = new LongAdder();
  private final Map<Sequencer.Outcome, LongAdder> sequencing = new ConcurrentHashMap<>();
  /** Where the commit-to-write latency of message events goes (the node's metrics); set before start. */
  private volatile LongConsumer latencyMicros = micros -> {
  };
  private final LoopHub.Counts counts = new LoopHub.Counts() {
    @Override
    public void delivered(int sockets, int slow) {
      deliveries.add(sockets);
      if (slow > 0) {
        slowClosed.add(slow);
      }
    }

    @Override
    public void written(long micros) {
      latencyMicros.accept(micros);
    }
  };
  private MessageConsumer<Object> consumer;
  private Probe probe;
  /** Where events are received and sequenced. */
  private Context context;
  /**
   * Forwarded service messages acted on here, on the fan-out's context, in the order events
   * arrive, instead of being sent on to a service: what must take effect before the events that
   * follow it (a removal from a conversation, before its next messages).
   */
  private final Map<String, Consumer<JsonObject>> inline = new ConcurrentHashMap<>();
  /** Conversations whose last seq is to be asked of the store, together, on the next turn (fan-out context only). */
  private List<Topic> startingTopics = new ArrayList<>();
  /** Where each conversation active lately stands, from its events (fan-out context only). */
  private final SeenSeqs seen = new SeenSeqs(TimeUnit.MILLISECONDS.toNanos(SEEN_MEMORY_MS), MAX_SEEN);
  /** Topics started from {@link #seen}, and from the store, for the meters and tests. */
  private final LongAdder startsFromSeen = new LongAdder();
  private final LongAdder startsFromStore = new LongAdder();

  /** One address on this node: the loops with sockets on it. Guarded by itself. */
  private static final class Topic {
    final String address;
    volatile LoopHub[] hubs = new LoopHub[0];
    final Map<LoopHub, Integer> socketsPerHub = new HashMap<>(2);
    boolean removed;
    /** For conversations; made and used on the fan-out's context only. */
    Sequencer sequencer;
    /** Conversations: the store has said where the conversation stood (or could not); under the topic's lock. */
    boolean startKnown;
    /** Subscriptions waiting for {@link #startKnown}, each completed on its socket's context; under the topic's lock. */
    List<Runnable> awaitingStart;

    Topic(String address) {
      this.address = address;
    }
  }

  public NodeFanout(Vertx vertx, long idleTimeoutMs, long sweepMs, long gapWaitMs) {
    this.vertx = vertx;
    this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
    this.silentReason = "silent for more than " + Math.max(1, idleTimeoutMs / 1000) + " s: ping more often";
    this.sweepMs = sweepMs;
    this.gapWaitMs = gapWaitMs;
    for (Sequencer.Outcome outcome : Sequencer.Outcome.values()) {
      sequencing.put(outcome, new LongAdder());
    }
  }

  /**
   * Starts receiving the cluster's events, on the caller's context; completes once every other
   * member's events reach this node ({@link Probe}).
   */
  public Future<Void> start(String nodeId, Supplier<Collection<String>> otherMembers) {
    probe = new Probe(vertx, nodeId);
    context = vertx.getOrCreateContext();
    // before any bundle can arrive from another node
    EventBundle.registerCodec(vertx.eventBus());
    consumer = vertx.eventBus().consumer(Addresses.FANOUT, this::onEvent);
    vertx.setPeriodic(SEEN_MEMORY_MS, id -> seen.forgetSilent(System.nanoTime()));
    return consumer.completion().compose(v -> probe.await(otherMembers, PROBE_TIMEOUT_MS));
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Adds a socket; call on the socket's own context. */
  public void add(ClientSocket socket) {
    hub(socket.context).add(socket);
    sockets.put(socket.id, socket);
  }

  /** Removes a closed socket and everything it registered or watched; call on the socket's own context. */
  public void remove(ClientSocket socket) {
    socket.markClosed();
    if (sockets.remove(socket.id) == null) {
      return;
    }
    for (String address : List.copyOf(socket.addresses)) {
      unsubscribe(socket, address);
    }
    watch(socket, List.of());
    hub(socket.context).remove(socket);
  }

  public ClientSocket socket(String id) {
    return sockets.get(id);
  }

  /**
   * Acts on the broadcasts ({@link Events#broadcast}) to {@code serviceAddress} on the fan-out's
   * context, in order with the events around them, instead of sending them on. Call before start.
   */
  public void inline(String serviceAddress, Consumer<JsonObject> handler) {
    inline.put(serviceAddress, handler);
  }

  /**
   * Runs the action on each open socket of the user on this node, on the socket's own event
   * loop, queued there behind the events already handed to that loop (so when called from an
   * {@link #inline} handler, before any event that arrived after the broadcast).
   */
  public void forSocketsOf(String userId, Consumer<ClientSocket> action) {
    for (ClientSocket socket : sockets.values()) {
      if (socket.userId.equals(userId)) {
        hub(socket.context).context.runOnContext(v -> {
          if (!socket.isClosed()) {
            action.accept(socket);
          }
        });
      }
    }
  }

  /** Runs the action on each open socket of this node that watches the user, on the socket's own event loop. */
  public void forWatchersOf(String userId, Consumer<ClientSocket> action) {
    Topic topic = topics.get(WATCH_PREFIX + userId);
    if (topic == null) {
      return;
    }
    for (LoopHub hub : topic.hubs) {
      hub.context.runOnContext(v -> hub.socketsOn(WATCH_PREFIX + userId).forEach(socket -> {
        if (!socket.isClosed()) {
          action.accept(socket);
        }
      }));
    }
  }

  /** Whose presence the socket receives; call on the socket's own context. */
  public Set<String> watching(ClientSocket socket) {
    return socket.watching == null ? Set.of() : Set.copyOf(socket.watching);
  }

  /** Stops the socket receiving these users' presence, keeping the rest of its watch; call on its own context. */
  public void unwatch(ClientSocket socket, Collection<String> userIds) {
    if (socket.watching == null) {
      return;
    }
    Set<String> rest = new HashSet<>(socket.watching);
    rest.removeAll(userIds);
    watch(socket, rest);
  }

  /** The open sockets, every event loop's (a live view). */
  public Collection<ClientSocket> sockets() {
    return sockets.values();
  }

  int openSockets() {
    return sockets.size();
  }

  long deliveries() {
    return deliveries.sum();
  }

  /** Takes the microseconds from each message's commit to its write to a loop's sockets (once per event and loop). */
  void deliveryLatency(LongConsumer micros) {
    this.latencyMicros = micros;
  }

  /** A socket was dropped because it could not keep up with its replies. */
  public void droppedAsSlow() {
    slowClosed.increment();
  }

  /** Sockets closed because they could not keep up. */
  long slowClosed() {
    return slowClosed.sum();
  }

  /** Message events by what sequencing did with them (held behind a gap, repaired from the store, …). */
  long sequenced(Sequencer.Outcome outcome) {
    return sequencing.get(outcome).sum();
  }

  /** Conversation topics started from the seqs seen lately (no store read), and from the store. */
  long startsFromSeen() {
    return startsFromSeen.sum();
  }

  long startsFromStore() {
    return startsFromStore.sum();
  }

  /** Addresses and watched users this node's sockets are on. */
  int topics() {
    return topics.size();
  }

  /**
   * Registers the socket on an already authorized address; call on the socket's own context.
   * Completes there once the registration is in effect: for a conversation, once this node knows
   * where the conversation stood when it began delivering it. A message sent after that is past
   * the sequencer's start, so it reaches the socket in order; one committed before the node asked
   * but published after may come late, out of order (Sequencer), and a register that took effect
   * earlier would have let such a message be sent after it.
   */
  public Future<Void> subscribe(ClientSocket socket, String address) {
    if (!socket.isClosed() && socket.addresses.add(address)) {
      return join(socket, address);
    }
    return Future.succeededFuture();
  }

  /** Removes one registration; call on the socket's own context. */
  public void unsubscribe(ClientSocket socket, String address) {
    if (socket.addresses.remove(address)) {
      leave(socket, address);
    }
  }

  /** Replaces whose presence changes the socket receives; call on the socket's own context. */
  public void watch(ClientSocket socket, Collection<String> userIds) {
    Set<String> wanted = new HashSet<>(userIds);
    Set<String> current = socket.watching == null ? Set.of() : socket.watching;
    for (String userId : current) {
      if (!wanted.contains(userId)) {
        leave(socket, WATCH_PREFIX + userId);
      }
    }
    if (socket.isClosed()) {
      socket.watching = null;
      return;
    }
    for (String userId : wanted) {
      if (!current.contains(userId)) {
        join(socket, WATCH_PREFIX + userId);
      }
    }
    socket.watching = wanted.isEmpty() ? null : wanted;
  }

  private Future<Void> join(ClientSocket socket, String key) {
    LoopHub hub = hub(socket.context);
    hub.subscribe(key, socket);
    boolean conversation = key.startsWith(Addresses.CONVERSATION_PREFIX);
    while (true) {
      Topic topic = topics.computeIfAbsent(key, Topic::new);
      boolean fresh;
      Promise<Void> inEffect = null;
      synchronized (topic) {
        if (topic.removed) {
          continue;
        }
        fresh = topic.socketsPerHub.isEmpty();
        if (topic.socketsPerHub.merge(hub, 1, Integer::sum) == 1) {
          topic.hubs = topic.socketsPerHub.keySet().toArray(new LoopHub[0]);
        }
        if (conversation && !topic.startKnown) {
          Promise<Void> waiting = Promise.promise();
          Context on = socket.context;
          if (topic.awaitingStart == null) {
            topic.awaitingStart = new ArrayList<>(2);
          }
          topic.awaitingStart.add(() -> on.runOnContext(v -> waiting.complete()));
          inEffect = waiting;
        }
      }
      if (fresh && conversation) {
        // where the conversation stands now: its messages from here on are due to this node's sockets
        context.runOnContext(v -> askStart(topic));
      }
      return inEffect == null ? Future.succeededFuture() : inEffect.future();
    }
  }

  /** The topic's start is known (or will not be): subscriptions waiting for it take effect. */
  private static void startKnown(Topic topic) {
    List<Runnable> waiting;
    synchronized (topic) {
      topic.startKnown = true;
      waiting = topic.awaitingStart;
      topic.awaitingStart = null;
    }
    if (waiting != null) {
      waiting.forEach(Runnable::run);
    }
  }

  /** On the fan-out's context: the topic's sequencer waits for its start, asked with others on the next turn. */
  private void askStart(Topic topic) {
    if (topic.removed || !sequencer(topic).starting()) {
      startKnown(topic);
      return;
    }
    long last = seen.last(topic.address, System.nanoTime());
    if (last >= 0) {
      // active lately: its events said where it stands, no need to ask the store
      startsFromSeen.increment();
      topic.sequencer.start(last);
      startKnown(topic);
      return;
    }
    startsFromStore.increment();
    startingTopics.add(topic);
    if (startingTopics.size() == 1) {
      context.runOnContext(v -> askStarts());
    }
  }

  private void askStarts() {
    List<Topic> asking = startingTopics;
    startingTopics = new ArrayList<>();
    JsonArray ids = new JsonArray();
    asking.forEach(t -> ids.add(t.address.substring(Addresses.CONVERSATION_PREFIX.length())));
    vertx.eventBus().<JsonObject>request(Addresses.STORE_LAST_SEQS, new JsonObject().put("ids", ids), Local.delivery())
      .onComplete(ar -> {
        JsonObject seqs = ar.succeeded() ? ar.result().body().getJsonObject("seqs") : new JsonObject();
        for (Topic t : asking) {
          Long last = seqs.getLong(t.address.substring(Addresses.CONVERSATION_PREFIX.length()));
          if (last != null) {
            t.sequencer.start(last);
          } else {
            t.sequencer.startUnknown();
          }
          startKnown(t);
        }
      });
  }

  private void leave(ClientSocket socket, String key) {
    LoopHub hub = hub(socket.context);
    hub.unsubscribe(key, socket);
    Topic topic = topics.get(key);
    if (topic == null) {
      return;
    }
    synchronized (topic) {
      if (topic.socketsPerHub.merge(hub, -1, Integer::sum) <= 0) {
        topic.socketsPerHub.remove(hub);
        topic.hubs = topic.socketsPerHub.keySet().toArray(new LoopHub[0]);
      }
      if (topic.socketsPerHub.isEmpty()) {
        topic.removed = true;
        topics.remove(key, topic);
      }
    }
  }

  /** Events from any node (this one included); runs on the fan-out's context. */
  private void onEvent(Message<Object> message) {
    if (message.body() instanceof EventBundle bundle) {
      long now = System.nanoTime();
      for (EventBundle.Entry entry : bundle.entries()) {
        if (entry.route() != EventBundle.FORWARD_TO_OTHERS || bundle.fromOtherNode()) {
          onEntry(entry, now);
        }
      }
      return;
    }
    MultiMap headers = message.headers();
    String watched = headers.get(Events.WATCHED);
    if (watched != null) {
      toWatchers(watched, (Buffer) message.body());
    } else if (headers.contains(Probe.HEADER)) {
      probe.received(headers);
    }
  }

  /** One entry of a bundle, in the order it was published. */
  private void onEntry(EventBundle.Entry entry, long nowNanos) {
    if (entry.route() == EventBundle.FORWARD || entry.route() == EventBundle.FORWARD_TO_OTHERS) {
      Consumer<JsonObject> here = inline.get(entry.address());
      if (here != null) {
        here.accept(entry.body().toJsonObject());
      } else {
        vertx.eventBus().send(entry.address(), entry.body().toJsonObject(), Local.delivery());
      }
      return;
    }
    if (entry.seq() != ClientEvent.NO_SEQ) {
      seen.saw(entry.address(), entry.seq(), nowNanos);
    }
    Topic topic = topics.get(entry.address());
    if (topic == null) {
      return;
    }
    EventFrame frame = new EventFrame(entry.body(), entry.committed());
    if (entry.seq() != ClientEvent.NO_SEQ) {
      sequencer(topic).offer(entry.seq(), frame);
    } else {
      deliver(topic, frame, entry.kind(), null);
    }
  }

  /** Made waiting for its start: every conversation topic asks for it ({@link #askStart}) when it is made. */
  private Sequencer sequencer(Topic topic) {
    if (topic.sequencer == null) {
      topic.sequencer = new Sequencer(new StoreBackedOutput(topic), gapWaitMs, true);
    }
    return topic.sequencer;
  }

  private void deliver(Topic topic, EventFrame frame, EventKind kind, String coalesceKey) {
    for (LoopHub hub : topic.hubs) {
      hub.context.runOnContext(v -> hub.deliver(topic.address, frame, kind, coalesceKey, counts));
    }
  }

  private void toWatchers(String userId, Buffer event) {
    Topic topic = topics.get(WATCH_PREFIX + userId);
    if (topic == null) {
      return;
    }
    for (LoopHub hub : topic.hubs) {
      hub.context.runOnContext(v -> hub.deliverToWatchers(WATCH_PREFIX + userId, userId, event, counts));
    }
  }

  /** Where a conversation's sequencer delivers, and reads gaps from (the store's message pages). */
  private final class StoreBackedOutput implements Sequencer.Output {
    private final Topic topic;

    StoreBackedOutput(Topic topic) {
      this.topic = topic;
    }

    @Override
    public void deliver(EventFrame frame) {
      NodeFanout.this.deliver(topic, frame, EventKind.ESSENTIAL, null);
    }

    @Override
    public Future<List<Sequencer.Sequenced>> fetch(long from, long to) {
      String conversationId = topic.address.substring(Addresses.CONVERSATION_PREFIX.length());
      JsonObject range = new JsonObject().put("conversationId", conversationId).put("afterSeq", from - 1).put("beforeSeq", to);
      return vertx.eventBus().<JsonObject>request(Addresses.STORE_MESSAGE_RANGE, range, Local.delivery()).map(reply -> {
        JsonArray messages = reply.body().getJsonArray("messages");
        return messages.stream().map(m -> (JsonObject) m)
          .map(m -> new Sequencer.Sequenced(m.getLong("seq"), new EventFrame(Frames.rec(topic.address,
            ClientEvent.message(m).body()))))
          .toList();
      });
    }

    @Override
    public long setTimer(long delayMs, Runnable action) {
      return vertx.setTimer(delayMs, id -> action.run());
    }

    @Override
    public void cancelTimer(long id) {
      vertx.cancelTimer(id);
    }

    @Override
    public void counted(Sequencer.Outcome outcome, int n) {
      sequencing.get(outcome).add(n);
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
        .forEach(socket -> socket.close(1000, silentReason)));
      return hub;
    });
  }

  /** Event loops with bridge sockets on this node (at most the HTTP verticle's instances). */
  int loops() {
    return hubs.size();
  }
}

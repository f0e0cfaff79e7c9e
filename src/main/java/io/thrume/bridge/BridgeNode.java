package io.thrume.bridge;

import io.thrume.bus.ServiceFailure;
import io.thrume.fanout.FanoutMeters;
import io.thrume.transport.SockJSTransport;
import io.thrume.auth.RevokedSessions;
import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.chat.Membership;
import io.thrume.fanout.ClientSocket;
import io.thrume.transport.Frames;
import io.thrume.fanout.NodeFanout;
import io.thrume.transport.Transport;
import io.thrume.limit.Action;
import io.thrume.limit.Limits;
import io.thrume.metrics.ThrumeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The bridge of one node: where a client frame enters (after its socket was let in with a
 * ticket), is checked against {@link BridgePolicy}, and goes on to a service with the socket's
 * user stamped on it; where events go out through the node's {@link NodeFanout}. Shared by the
 * node's HTTP verticle instances; each socket is handled on its own event loop.
 */
public final class BridgeNode {
  /** A socket that keeps sending broken frames is closed after this many. */
  static final int MAX_STRIKES = 10;
  /** Sends a socket may make to an address it was told to wait for before it is closed (1008). */
  static final int MAX_IGNORED_LIMITS = 100;
  /**
   * Why a draining node refuses (an UNAVAILABLE, to which "…, retry after 1 s" is added): clients
   * retry, through the load balancer, on another node.
   */
  static final String RESTARTING = "server restarting";
  /** The close code of a socket whose session ended (an application code: 4000 + the HTTP status). */
  public static final int SESSION_ENDED_CLOSE = 4401;
  private static final long PRUNE_MS = 60_000;
  private final Vertx vertx;
  private final EventBus bus;
  private final String nodeId;
  private final BridgeConfig config;
  private final Tickets tickets;
  private final BridgePolicy policy;
  private final NodeFanout fanout;
  /** chat.view: what the socket has open. */
  private final Views views;
  /** presence.watch: whose presence the socket receives. */
  private final Watches watches;
  private final ThrumeMetrics metrics;
  private final AtomicLong connections = new AtomicLong();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  /** Open sockets by the session whose ticket opened them (sockets of tests' session-less tickets are not here). */
  private final ConcurrentHashMap<String, Set<ClientSocket>> bySession = new ConcurrentHashMap<>();
  private final RevokedSessions revoked;
  private long pruneTimer = -1;
  /** Set once, on SIGTERM ({@link Addresses#NODE_DRAIN}): no new socket or ticket from then on. */
  private volatile boolean draining;
  /** The drain's spread (ms), for a socket accepted while the drain began. */
  private volatile long drainMs;
  /** Set once the node found itself cut off from the cluster (it drains too): it is not live. */
  private volatile boolean cutOff;

  public BridgeNode(Vertx vertx, String nodeId, BridgeConfig config, String sharedSecret, ThrumeMetrics metrics,
                    RevokedSessions revoked, Membership membership) {
    this.revoked = revoked;
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.nodeId = nodeId;
    this.config = config;
    this.metrics = metrics;
    this.tickets = new Tickets(vertx, config.ticketSeconds(), sharedSecret);
    this.policy = new BridgePolicy(membership);
    this.fanout = new NodeFanout(vertx, config.idleTimeoutMs(), config.sweepMs(), config.gapWaitMs());
    FanoutMeters.register(metrics, fanout);
    this.views = new Views(bus, policy);
    this.watches = new Watches(bus, fanout);
    // acted on in order with the events: a removed user's sockets get nothing of the conversation
    // that was published after the removal
    fanout.inline(Addresses.MEMBERSHIP_REMOVED, this::removed);
    fanout.inline(Addresses.BLOCKED, watches::blocked);
  }

  /**
   * Serves tickets, listens for connections to evict (the presence service enforces the per-user
   * limit, cluster-wide), and starts the fan-out: completes once this node receives every other
   * member's events.
   */
  public Future<Void> start(Supplier<Collection<String>> otherMembers) {
    consumers.add(Handlers.serve(bus, Addresses.TICKET_ISSUE, m -> draining
      ? Future.failedFuture(Failure.UNAVAILABLE.exception(RESTARTING))
      : Limits.take(bus, m.body().getString("userId"), Action.TICKET)
        .map(v -> {
          String userId = m.body().getString("userId");
          // the client connects next, most likely here, and registers its conversations: read them meanwhile
          policy.expect(userId);
          return tickets.issue(userId, m.body().getString("sessionId"));
        })));
    consumers.add(Handlers.serve(bus, Addresses.NODE_DRAIN, m -> {
      cutOff |= m.body().getBoolean("cutOff", false);
      return drain(m.body().getLong("drainMs", 0L));
    }));
    consumers.add(bus.consumer(Addresses.bridgeEvict(nodeId), message -> {
      ClientSocket socket = fanout.socket(message.body().getString("connectionId"));
      if (socket != null) {
        socket.context.runOnContext(v -> {
          metrics.rejected(Failure.CONNECTION_LIMIT.name());
          socket.send(Frames.err(null, Failure.CONNECTION_LIMIT, message.body().getString("reason")));
          socket.close(1008, "connection limit");
        });
      }
    }));
    consumers.add(bus.<JsonObject>localConsumer(Addresses.SESSIONS_REVOKED, message -> {
      long revokedAt = message.body().getLong("revokedAt", System.currentTimeMillis());
      for (Object id : message.body().getJsonArray("sessions", new JsonArray())) {
        if (id instanceof String sessionId) {
          revoked.add(sessionId, revokedAt);
          Set<ClientSocket> sockets = bySession.remove(sessionId);
          if (sockets != null) {
            sockets.forEach(this::endSession);
          }
        }
      }
    }));
    // entries whose access tokens have all expired
    pruneTimer = vertx.setPeriodic(PRUNE_MS, t -> revoked.prune());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
      .compose(v -> fanout.start(nodeId, otherMembers));
  }

  /** Tells the socket its session has ended and closes it, on its own context. */
  private void endSession(ClientSocket socket) {
    socket.context.runOnContext(v -> {
      if (!socket.isClosed()) {
        metrics.rejected(Failure.UNAUTHORIZED.name());
        socket.send(Frames.err(null, Failure.UNAUTHORIZED, "the session has ended: log in again"));
        socket.close(SESSION_ENDED_CLOSE, "session ended");
      }
    });
  }

  /**
   * The node is going down: from now on no new socket or ticket (503, retry elsewhere), and every
   * open socket is told {@code UNAVAILABLE: server restarting, reconnect in N ms}, N spread over
   * {@code drainMs} so that its clients do not all come back at once, then closed with 1012
   * (service restart). Answers, once each has its frame and close queued, how many sockets were told
   * and the longest delay any was told.
   */
  Future<JsonObject> drain(long drainMs) {
    this.drainMs = drainMs;
    draining = true;
    List<Future<Void>> told = new ArrayList<>();
    long latest = 0;
    for (ClientSocket socket : fanout.sockets()) {
      long reconnectMs = reconnectDelay(drainMs);
      latest = Math.max(latest, reconnectMs);
      Promise<Void> queued = Promise.promise();
      socket.context.runOnContext(v -> {
        tellToReconnect(socket, reconnectMs);
        queued.complete();
      });
      told.add(queued.future());
    }
    long reconnectWithinMs = latest;
    return Future.join(told).map(v -> new JsonObject().put("sockets", told.size()).put("reconnectWithinMs", reconnectWithinMs));
  }

  private static long reconnectDelay(long drainMs) {
    return ThreadLocalRandom.current().nextLong(Math.max(1, drainMs) + 1);
  }

  /** Tells the socket when to come back and closes it with 1012; on its own context, once (a closed one is left be). */
  private void tellToReconnect(ClientSocket socket, long reconnectMs) {
    if (socket.isClosed()) {
      return;
    }
    metrics.rejected(Failure.UNAVAILABLE.name());
    // a time of its own, in ms: no "retry after" added
    socket.send(Frames.err(null, new ServiceFailure(Failure.UNAVAILABLE, "server restarting, reconnect in " + reconnectMs + " ms",
      ServiceFailure.NO_RETRY_AFTER)));
    socket.close(1012, "server restarting");
  }

  /** True once the node found itself cut off from its cluster: it should be restarted. */
  public boolean cutOff() {
    return cutOff;
  }

  /** True once the node is draining: new sockets and tickets are refused. */
  public boolean draining() {
    return draining;
  }

  public Future<Void> stop() {
    vertx.cancelTimer(pruneTimer);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).compose(v -> fanout.stop());
  }

  public Tickets tickets() {
    return tickets;
  }

  public BridgeConfig config() {
    return config;
  }

  /** A client asks for a socket (ThrumeMetrics.WEBSOCKET or SOCKJS). */
  void attempt(String transport) {
    metrics.connectAttempt(transport);
  }

  /** A connection refused before it was served, by code. */
  void refused(String reason) {
    metrics.connectRefused(reason);
  }

  /** Takes a transport whose ticket was redeemed for {@code userId}; call on the connection's context. */
  void accept(Transport transport, Tickets.Holder holder) {
    String userId = holder.userId();
    String sessionId = holder.sessionId();
    String id = nodeId + "-" + connections.incrementAndGet();
    ClientSocket socket = new ClientSocket(id, userId, vertx.getOrCreateContext(), transport, config.maxOverflowFrames(),
      config.maxOverflowBytes(), fanout::droppedAsSlow);
    fanout.add(socket);
    metrics.connectAccepted(transport instanceof SockJSTransport ? ThrumeMetrics.SOCKJS : ThrumeMetrics.WEBSOCKET);
    int[] strikes = {0};
    socket.reader(buffer -> onFrame(socket, buffer, strikes));
    transport.frameHandler(socket::read);
    transport.closeHandler(v -> {
      if (sessionId != null) {
        bySession.computeIfPresent(sessionId, (k, set) -> {
          set.remove(socket);
          return set.isEmpty() ? null : set;
        });
      }
      onClose(socket);
    });
    if (sessionId != null) {
      bySession.computeIfAbsent(sessionId, k -> ConcurrentHashMap.newKeySet()).add(socket);
      // after the socket is in the map: a revocation either finds it there or is seen here
      if (revoked.contains(sessionId)) {
        endSession(socket);
      }
    }
    // after the socket is among the fan-out's: a drain either tells it there or is seen here (a
    // socket whose upgrade was checked just before SIGTERM would otherwise be cut when the node exits)
    if (draining) {
      long reconnectMs = reconnectDelay(drainMs);
      socket.context.runOnContext(v -> tellToReconnect(socket, reconnectMs));
    }
    bus.send(Addresses.PRESENCE_CONNECTED, new JsonObject().put("userId", userId).put("connectionId", id)
      .put("nodeId", nodeId), Local.delivery());
  }

  private void onClose(ClientSocket socket) {
    metrics.connectionClosed(socket.openedNanos);
    fanout.remove(socket);
    for (String conversationId : socket.viewing()) {
      views.end(socket, conversationId);
    }
    bus.send(Addresses.PRESENCE_DISCONNECTED, new JsonObject().put("userId", socket.userId).put("connectionId", socket.id),
      Local.delivery());
    bus.send(Addresses.CHAT_SOCKET_CLOSED, new JsonObject().put("userId", socket.userId), Local.delivery());
  }

  private void onFrame(ClientSocket socket, Buffer buffer, int[] strikes) {
    if (buffer.length() > config.maxFrameBytes()) {
      refuse(socket, null, Failure.TOO_LARGE, "frames are limited to " + config.maxFrameBytes() + " bytes");
      socket.close(1009, "frame too large");
      return;
    }
    JsonObject frame;
    try {
      frame = buffer.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      strike(socket, strikes, "the frame is not a JSON object");
      return;
    }
    if (!(frame.getValue("type") instanceof String type)) {
      strike(socket, strikes, "the frame has no type");
      return;
    }
    switch (type) {
      case "ping" -> {
        // heard() is all a ping is for
      }
      case "register" -> register(socket, frame, strikes);
      case "unregister" -> {
        if (frame.getValue("address") instanceof String address) {
          fanout.unsubscribe(socket, address);
        }
      }
      case "send", "publish" -> send(socket, frame, "send".equals(type), strikes);
      default -> strike(socket, strikes, "unknown frame type");
    }
  }

  private void register(ClientSocket socket, JsonObject frame, int[] strikes) {
    if (!(frame.getValue("address") instanceof String address)) {
      strike(socket, strikes, "register needs an address");
      return;
    }
    if (socket.isRegistered(address)) {
      return;
    }
    // the frames after this register wait for it: a client that registers, then sends or views,
    // finds its register in effect (frames take effect in the order they were sent)
    socket.hold();
    Limits.take(bus, socket.userId, Action.REGISTER).compose(v -> policy.mayRegister(socket.userId, address))
      .onComplete(ar -> {
        if (ar.succeeded()) {
          fanout.subscribe(socket, address).onComplete(v -> socket.release());
          return;
        }
        refuse(socket, address, ar.cause());
        if (ar.cause() instanceof ServiceFailure f && f.code() == Failure.FORBIDDEN) {
          // a refused register costs twice: probing for conversations is not cheap
          Limits.take(bus, socket.userId, Action.REGISTER);
        }
        socket.release();
      });
  }

  private void send(ClientSocket socket, JsonObject frame, boolean wantsReply, int[] strikes) {
    Object replyTo = wantsReply ? frame.getValue("replyAddress") : null;
    if (replyTo != null && (!(replyTo instanceof String) || ((String) replyTo).length() > 128)) {
      strike(socket, strikes, "replyAddress must be a short string");
      return;
    }
    String replyAddress = (String) replyTo;
    if (!(frame.getValue("address") instanceof String address)) {
      refuse(socket, replyAddress, Failure.INVALID, "send needs an address");
      return;
    }
    if (!policy.maySend(address)) {
      refuse(socket, replyAddress, Failure.FORBIDDEN, "clients may not send to " + shorten(address));
      return;
    }
    if (!(frame.getValue("body") instanceof JsonObject body)) {
      refuse(socket, replyAddress, Failure.INVALID, "the body must be a JSON object");
      return;
    }
    long waitMs = socket.limitedFor(address);
    if (waitMs > 0) {
      // refused a moment ago and told when to come back: refused again here, without asking anyone;
      // a client that goes on regardless is flooding, and reading its frames is work: closed
      if (socket.ignoredLimits() > MAX_IGNORED_LIMITS) {
        metrics.rejected(Failure.RATE_LIMITED.name());
        socket.close(1008, "kept sending after retry-after");
        return;
      }
      refuse(socket, replyAddress, Failure.rateLimited(Math.max(1, (waitMs + 999) / 1000)));
      return;
    }
    Future<Object> answer;
    if (Addresses.CHAT_VIEW.equals(address)) {
      answer = views.view(socket, body);
    } else if (Addresses.PRESENCE_WATCH.equals(address)) {
      answer = watches.watch(socket, body);
    } else {
      // the user is the socket's, stamped here; whatever identity the client put in headers or body is ignored
      DeliveryOptions stamped = Local.delivery().addHeader(Addresses.USER_HEADER, socket.userId)
        .addHeader(Addresses.SOCKET_HEADER, socket.id);
      answer = bus.request(address, body, stamped).map(reply -> reply.body());
    }
    socket.requestStarted();
    answer.onComplete(ar -> {
      socket.requestDone();
      if (ar.succeeded()) {
        if (replyAddress != null) {
          socket.send(Frames.rec(replyAddress, ar.result()));
        }
      } else {
        // only a limit is enforced here: an UNAVAILABLE's retry-after is advice, the retry may well work
        if (ar.cause() instanceof ServiceFailure f && f.code() == Failure.RATE_LIMITED && f.retryAfterSeconds() > 0) {
          socket.limitUntil(address, f.retryAfterSeconds() * 1000);
        }
        refuse(socket, replyAddress, ar.cause());
      }
    });
  }

  /**
   * Users left or were removed from a conversation ({@link Addresses#MEMBERSHIP_REMOVED}, from any
   * node; on the fan-out's context, in order with the events). On this node: their membership is
   * forgotten, their sockets leave the conversation (queued before any later event of it) and
   * stop viewing it, their watches and the watches of them are checked again, and the chat
   * service forgets them (typing).
   */
  private void removed(JsonObject body) {
    String conversationId = body.getString("conversationId");
    String address = Addresses.conversation(conversationId);
    watches.visibilityChanged();
    for (Object o : body.getJsonArray("userIds")) {
      String userId = (String) o;
      policy.forget(userId, conversationId);
      fanout.forSocketsOf(userId, socket -> {
        fanout.unsubscribe(socket, address);
        views.end(socket, conversationId);
        watches.recheck(socket, fanout.watching(socket));
      });
      fanout.forWatchersOf(userId, socket -> watches.recheck(socket, List.of(userId)));
    }
    bus.send(Addresses.CHAT_MEMBERSHIP_REMOVED, body, Local.delivery());
  }

  private void strike(ClientSocket socket, int[] strikes, String detail) {
    refuse(socket, null, Failure.INVALID, detail);
    if (++strikes[0] >= MAX_STRIKES) {
      socket.close(1008, "too many invalid frames");
    }
  }

  private void refuse(ClientSocket socket, String address, Failure code, String detail) {
    refuse(socket, address, code.exception(detail));
  }

  /** A failure, as the bridge shows it ({@link Refusals}), as an err frame. */
  private void refuse(ClientSocket socket, String address, Throwable cause) {
    ServiceFailure refusal = Refusals.of(Handlers.toFailure("bridge", cause));
    metrics.rejected(refusal.code().name());
    socket.send(Frames.err(address, refusal));
  }

  private static String shorten(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}

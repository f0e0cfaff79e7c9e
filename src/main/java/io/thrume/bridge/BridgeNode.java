package io.thrume.bridge;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.fanout.ClientSocket;
import io.thrume.fanout.NodeFanout;
import io.thrume.fanout.Viewers;
import io.thrume.metrics.ThrumeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge of one node: where a client frame enters (after its socket was let in with a
 * ticket), is checked against {@link BridgePolicy}, and goes on to a service with the socket's
 * user stamped on it; where events go out through the node's {@link NodeFanout}. Shared by the
 * node's HTTP verticle instances; each socket is handled on its own event loop.
 */
public final class BridgeNode {
  /** A socket that keeps sending broken frames is closed after this many. */
  static final int MAX_STRIKES = 10;
  private final Vertx vertx;
  private final EventBus bus;
  private final String nodeId;
  private final BridgeConfig config;
  private final Tickets tickets;
  private final BridgePolicy policy;
  private final NodeFanout fanout;
  private final ThrumeMetrics metrics;
  private final AtomicLong connections = new AtomicLong();
  private MessageConsumer<JsonObject> evictions;

  public BridgeNode(Vertx vertx, String nodeId, BridgeConfig config, Viewers viewers, ThrumeMetrics metrics) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.nodeId = nodeId;
    this.config = config;
    this.metrics = metrics;
    this.tickets = new Tickets(vertx, config.ticketSeconds());
    this.policy = new BridgePolicy(bus);
    this.fanout = new NodeFanout(vertx, viewers, config.idleTimeoutMs(), config.sweepMs());
    metrics.fanout(fanout);
  }

  /** Listens for connections to evict (the presence service enforces the per-user limit, cluster-wide). */
  public Future<Void> start() {
    evictions = bus.consumer(Addresses.bridgeEvict(nodeId), message -> {
      ClientSocket socket = fanout.socket(message.body().getString("connectionId"));
      if (socket != null) {
        socket.context.runOnContext(v -> {
          metrics.rejected(Failure.CONNECTION_LIMIT.name());
          socket.send(Frames.err(null, Failure.CONNECTION_LIMIT, message.body().getString("reason")));
          socket.close(1008, "connection limit");
        });
      }
    });
    return evictions.completion();
  }

  public Future<Void> stop() {
    return evictions == null ? Future.succeededFuture() : evictions.unregister();
  }

  public Tickets tickets() {
    return tickets;
  }

  public NodeFanout fanout() {
    return fanout;
  }

  public BridgeConfig config() {
    return config;
  }

  void refused(String reason) {
    metrics.rejected(reason);
  }

  /** Takes a transport whose ticket was redeemed for {@code userId}; call on the connection's context. */
  void accept(Transport transport, String userId) {
    String id = nodeId + "-" + connections.incrementAndGet();
    ClientSocket socket = new ClientSocket(id, userId, vertx.getOrCreateContext(), transport, config.maxOverflowFrames());
    fanout.add(socket);
    int[] strikes = {0};
    transport.frameHandler(buffer -> onFrame(socket, buffer, strikes));
    transport.closeHandler(v -> onClose(socket));
    bus.send(Addresses.PRESENCE_CONNECTED, new JsonObject().put("userId", userId).put("connectionId", id)
      .put("nodeId", nodeId), Local.delivery());
  }

  private void onClose(ClientSocket socket) {
    fanout.remove(socket);
    bus.send(Addresses.PRESENCE_DISCONNECTED, new JsonObject().put("userId", socket.userId).put("connectionId", socket.id),
      Local.delivery());
    bus.send(Addresses.CHAT_SOCKET_CLOSED, new JsonObject().put("userId", socket.userId), Local.delivery());
  }

  private void onFrame(ClientSocket socket, Buffer buffer, int[] strikes) {
    socket.heard();
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
    policy.mayRegister(socket.userId, address).onComplete(ar -> {
      if (ar.succeeded()) {
        fanout.subscribe(socket, address);
      } else {
        refuse(socket, address, ar.cause());
      }
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
    // the user is the socket's, stamped here; whatever identity the client put in headers or body is ignored
    DeliveryOptions stamped = Local.delivery().addHeader(Addresses.USER_HEADER, socket.userId);
    bus.request(address, body, stamped).onComplete(ar -> {
      if (ar.succeeded()) {
        if (replyAddress != null) {
          socket.send(Frames.rec(replyAddress, ar.result().body()));
        }
      } else {
        refuse(socket, replyAddress, ar.cause());
      }
    });
  }

  private void strike(ClientSocket socket, int[] strikes, String detail) {
    refuse(socket, null, Failure.INVALID, detail);
    if (++strikes[0] >= MAX_STRIKES) {
      socket.close(1008, "too many invalid frames");
    }
  }

  private void refuse(ClientSocket socket, String address, Failure code, String detail) {
    metrics.rejected(code.name());
    socket.send(Frames.err(address, code, detail));
  }

  private void refuse(ClientSocket socket, String address, Throwable cause) {
    Frames.Refusal refusal = Frames.refusal(Handlers.toReplyException("bridge", cause));
    refuse(socket, address, refusal.code(), refusal.detail());
  }

  private static String shorten(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}

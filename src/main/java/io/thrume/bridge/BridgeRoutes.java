package io.thrume.bridge;

import io.thrume.transport.ChannelTransport;
import io.thrume.transport.WebSocketTransport;
import io.thrume.transport.SockJSTransport;
import io.thrume.transport.Frames;
import io.thrume.transport.Transport;

import io.thrume.bus.Failure;
import io.thrume.edge.OriginPolicy;
import io.thrume.edge.Problems;
import io.thrume.edge.RequestTimeouts;
import io.thrume.metrics.ThrumeMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * Where sockets come in: /eventbus/websocket (raw WebSocket; refused with 401 before the upgrade
 * without a valid ticket) and /eventbus (SockJS over websocket, xhr-streaming or xhr-polling;
 * closed at once without a valid ticket, and every later request of a session must carry the
 * ticket that opened it). Browsers must come from the server's own origin or an allowed one.
 */
public final class BridgeRoutes {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BridgeRoutes.class);
  /** Whether a raw WebSocket was served without the channel transport yet (warned once). */
  private static final java.util.concurrent.atomic.AtomicBoolean FELL_BACK = new java.util.concurrent.atomic.AtomicBoolean();

  public static final String PATH = "/eventbus";

  private BridgeRoutes() {
  }

  public static void mount(Router router, Vertx vertx, BridgeNode node, OriginPolicy origins, long sockJsHeartbeatMs) {
    BridgeConfig config = node.config();
    router.route(PATH + "/*").handler(ctx -> {
      if (origins.allows(ctx.request())) {
        ctx.next();
      } else {
        node.attempt(ctx.request().path().startsWith(PATH + "/websocket") ? ThrumeMetrics.WEBSOCKET : ThrumeMetrics.SOCKJS);
        node.refused(Failure.FORBIDDEN.name());
        Problems.send(ctx, 403, Failure.FORBIDDEN, "this origin may not open the bridge");
      }
    });
    router.get(PATH + "/websocket").handler(ctx -> upgrade(ctx, node));
    // SockJS: websocket, xhr-streaming and xhr-polling only; the iframe page serves the others
    router.getWithRegex(PATH + "/iframe[^/]*\\.html").handler(ctx -> Problems.send(ctx, 404, Failure.NOT_FOUND, "no such resource"));
    SockJSTickets sessions = new SockJSTickets(vertx, node);
    router.route(PATH + "/*").handler(sessions::guard);
    // SockJS' XHR transports post frames in request bodies
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(config.maxFrameBytes() * 2L));
    SockJSHandlerOptions options = new SockJSHandlerOptions()
      .setRegisterWriteHandler(false)
      .setInsertJSESSIONID(false)
      // streams and polls write at least this often: the HTTP idle timeout never closes a live session
      .setHeartbeatInterval(sockJsHeartbeatMs)
      .addDisabledTransport(io.vertx.ext.web.handler.sockjs.Transport.JSON_P.name())
      .addDisabledTransport(io.vertx.ext.web.handler.sockjs.Transport.HTML_FILE.name())
      .addDisabledTransport(io.vertx.ext.web.handler.sockjs.Transport.EVENT_SOURCE.name());
    router.route(PATH + "/*").subRouter(SockJSHandler.create(vertx, options)
      .socketHandler(socket -> open(socket, node, sessions)));
  }

  /** Raw WebSocket: the ticket is checked before the upgrade, so a bad one gets a plain 401. */
  private static void upgrade(RoutingContext ctx, BridgeNode node) {
    HttpServerRequest request = ctx.request();
    node.attempt(ThrumeMetrics.WEBSOCKET);
    if (!request.canUpgradeToWebSocket()) {
      node.refused(Failure.INVALID.name());
      Problems.send(ctx, 400, Failure.INVALID, "this endpoint only upgrades to WebSocket");
      return;
    }
    if (node.draining()) {
      node.refused(Failure.UNAVAILABLE.name());
      Problems.send(ctx, 503, Failure.UNAVAILABLE, BridgeNode.RESTARTING);
      return;
    }
    request.pause();
    node.tickets().redeemFor(request.getParam("ticket")).onComplete(ar -> {
      Tickets.Holder holder = ar.succeeded() ? ar.result() : null;
      if (holder == null) {
        request.resume();
        node.refused((ar.succeeded() ? Failure.UNAUTHORIZED : Failure.UNAVAILABLE).name());
        if (ar.succeeded()) {
          Problems.send(ctx, 401, Failure.UNAUTHORIZED,
            "a valid ticket is required: POST /api/realtime/ticket, then connect within its lifetime");
        } else {
          Problems.send(ctx, 503, Failure.UNAVAILABLE, "tickets cannot be checked now");
        }
        return;
      }
      BridgeConfig config = node.config();
      request.toWebSocket().onSuccess(ws -> {
        // a bridge socket: no HTTP deadlines or idle timeout, the bridge's heartbeat rules it
        RequestTimeouts.exempt(request.connection());
        // the handshake is done and no frame was read yet: serve the socket from its channel
        Transport transport = ChannelTransport.takeOver(request.connection(), (ContextInternal) Vertx.currentContext(),
          config.outboundQueueBytes(), config.maxFrameBytes() * 2);
        if (transport == null && FELL_BACK.compareAndSet(false, true)) {
          // still a working socket, without the channel-level checks (RSV, UTF-8) and the
          // encode-once writes: a Vert.x whose pipeline looks different; said once per node
          LOG.warn("Raw WebSocket served through Vert.x' WebSocket, not the channel: its pipeline is not the one expected");
        }
        node.accept(transport != null ? transport
          : new WebSocketTransport(ws, request.connection(), config.outboundQueueBytes()), holder);
      }).onFailure(ctx::fail);
      request.resume();
    });
  }

  /**
   * SockJS: the session is open already; without a valid ticket it is told why and closed. Its
   * later requests must carry the same ticket ({@link SockJSTickets}).
   */
  private static void open(SockJSSocket socket, BridgeNode node, SockJSTickets sessions) {
    node.attempt(ThrumeMetrics.SOCKJS);
    // bound to its ticket until it closes, whatever happens next
    String session = sessions.confirm(socket.uri());
    Runnable release = () -> sessions.release(session);
    socket.closeHandler(v -> release.run());
    if (node.draining()) {
      node.refused(Failure.UNAVAILABLE.name());
      Vertx.currentContext().runOnContext(v -> {
        socket.write(Frames.err(null, Failure.UNAVAILABLE, BridgeNode.RESTARTING));
        socket.close(1012, "server restarting");
      });
      return;
    }
    socket.pause();
    node.tickets().redeemFor(SockJSTickets.ticketOf(socket.uri())).onComplete(ar -> {
      Tickets.Holder holder = ar.succeeded() ? ar.result() : null;
      if (holder == null) {
        node.refused(Failure.UNAUTHORIZED.name());
        // on the next turn: when the ticket check answers at once we are still inside SockJS' session
        // set-up, which would drop the frame and answer its own "Go away!" to a session closed that early
        Vertx.currentContext().runOnContext(v -> {
          socket.write(Frames.err(null, Failure.UNAUTHORIZED, "a valid ticket is required"));
          socket.close(4401, "unauthorized");
        });
        return;
      }
      node.accept(new SockJSTransport(socket, node.config().outboundQueueBytes(), release), holder);
      socket.resume();
    });
  }
}

package io.thrume.bridge;

import io.thrume.fanout.Frames;
import io.thrume.fanout.Transport;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.thrume.bus.Failure;
import io.thrume.http.OriginPolicy;
import io.thrume.http.Problems;
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

import java.util.List;

/**
 * Where sockets come in: /eventbus/websocket (raw WebSocket; refused with 401 before the upgrade
 * without a valid ticket) and /eventbus (SockJS, all transports; closed at once without one).
 * Browsers must come from the server's own origin or an allowed one.
 */
public final class BridgeRoutes {
  public static final String PATH = "/eventbus";

  private BridgeRoutes() {
  }

  public static void mount(Router router, Vertx vertx, BridgeNode node, OriginPolicy origins) {
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
    // SockJS' XHR transports post frames in request bodies
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(config.maxFrameBytes() * 2L));
    SockJSHandlerOptions options = new SockJSHandlerOptions()
      .setRegisterWriteHandler(false)
      .setInsertJSESSIONID(false);
    router.route(PATH + "/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(socket -> open(socket, node)));
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
        // the handshake is done and no frame was read yet: serve the socket from its channel
        Transport transport = ChannelTransport.takeOver(request.connection(), (ContextInternal) Vertx.currentContext(),
          config.outboundQueueBytes(), config.maxFrameBytes() * 2);
        node.accept(transport != null ? transport
          : new WebSocketTransport(ws, request.connection(), config.outboundQueueBytes()), holder);
      }).onFailure(ctx::fail);
      request.resume();
    });
  }

  /** SockJS: the session is open already; without a valid ticket it is told why and closed. */
  private static void open(SockJSSocket socket, BridgeNode node) {
    node.attempt(ThrumeMetrics.SOCKJS);
    if (node.draining()) {
      node.refused(Failure.UNAVAILABLE.name());
      Vertx.currentContext().runOnContext(v -> {
        socket.write(Frames.err(null, Failure.UNAVAILABLE, BridgeNode.RESTARTING));
        socket.close(1012, "server restarting");
      });
      return;
    }
    socket.pause();
    List<String> tickets = new QueryStringDecoder(socket.uri()).parameters().get("ticket");
    node.tickets().redeemFor(tickets == null ? null : tickets.get(0)).onComplete(ar -> {
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
      node.accept(new SockJSTransport(socket, node.config().outboundQueueBytes()), holder);
      socket.resume();
    });
  }
}

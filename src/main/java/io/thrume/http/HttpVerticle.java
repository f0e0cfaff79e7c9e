package io.thrume.http;

import io.thrume.edge.Problems;
import io.thrume.edge.OriginPolicy;
import io.thrume.edge.RequestTimeouts;
import io.thrume.auth.AttachmentLinks;
import io.thrume.auth.RevokedSessions;
import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.thrume.auth.TokenService;
import io.thrume.bridge.BridgeNode;
import io.thrume.bridge.BridgeRoutes;
import io.thrume.metrics.ThrumeMetrics;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP front door, one instance per core: security headers, CORS, the REST API (which
 * turns requests into event-bus calls) and the static web client.
 */
public class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private final BridgeNode bridge;
  private final ThrumeMetrics metrics;

  private final RevokedSessions revoked;
  private final UploadSlots uploads;

  /** @param uploads the node's upload slots, shared by its instances */
  public HttpVerticle(BridgeNode bridge, ThrumeMetrics metrics, RevokedSessions revoked, UploadSlots uploads) {
    this.bridge = bridge;
    this.uploads = uploads;
    this.revoked = revoked;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    HttpConfig config = HttpConfig.from(config());
    TokenService tokens = new TokenService(vertx, config.jwtSecret(), config.tokenMinutes(), revoked);
    Api api = new Api(vertx.eventBus());

    Router router = Router.router(vertx);
    OriginPolicy origins = new OriginPolicy(config.allowedOrigins());
    // REST failures are counted where they are answered (Problems); the bridge counts its own
    router.route().handler(ctx -> {
      if (!ctx.request().path().startsWith(BridgeRoutes.PATH)) {
        ctx.put(Problems.METRICS, metrics);
      }
      ctx.next();
    });
    router.route().handler(new SecurityHeaders());
    if (!config.allowedOrigins().isEmpty()) {
      router.route().handler(new CrossOrigin(CorsHandler.create()
        .addOrigins(config.allowedOrigins())
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "X-Filename"))
        .maxAgeSeconds(600)));
    }
    BearerAuth bearer = new BearerAuth(tokens);
    // an upload streams its own body, counted as it comes: served here, never buffered by the body handler
    AttachmentRoutes.mountUpload(router, api, bearer, uploads, new Settings(config()).integer(ConfigKeys.FILES_MAX_BYTES));
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    AuthRoutes.mount(router, api);
    OpenApiRoute.mount(router);
    AttachmentRoutes.mountSigned(router, api, new AttachmentLinks(config.jwtSecret()));
    router.route("/api/*").handler(bearer);
    AttachmentRoutes.mount(router, api);
    SessionRoutes.mount(router, api);
    AccountRoutes.mount(router, api);
    SearchRoutes.mount(router, api);
    MessageChangeRoutes.mount(router, api);
    ConversationRoutes.mount(router, api);
    RealtimeRoutes.mount(router, api);
    BlockRoutes.mount(router, api);
    HealthRoutes.mount(router, vertx, bridge::draining, bridge::cutOff);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
    BridgeRoutes.mount(router, vertx, bridge, origins, config.sockJsHeartbeatMs());
    router.route("/api/*").handler(ctx -> Problems.status(ctx, 404));
    WebClientRoutes.mount(router);
    router.route().failureHandler(ctx -> {
      if (ctx.statusCode() > 0) {
        Problems.status(ctx, ctx.statusCode());
      } else {
        Problems.fail(ctx, ctx.failure(), Api.requestId(ctx));
      }
    });
    router.errorHandler(404, ctx -> Problems.status(ctx, 404));
    router.errorHandler(405, ctx -> Problems.status(ctx, 405));

    // frames up to twice the limit reach the bridge, which refuses them with TOO_LARGE; larger ones close the socket
    HttpServerOptions options = new HttpServerOptions().setPort(config.port())
      .setMaxWebSocketFrameSize(bridge.config().maxFrameBytes() * 2)
      .setMaxWebSocketMessageSize(bridge.config().maxFrameBytes() * 2)
      .setRegisterWebSocketWriteHandlers(false)
      // every write to a connection happens on its event loop (sockets are touched only on their
      // own context), so Vert.x may write straight to the channel instead of through a per-connection
      // queue: less heap per idle socket and less work per write
      .setStrictThreadMode(true)
      // a socket closed for being too slow will not read our close frame either: drop it soon
      .setWebSocketClosingTimeout(5)
      // a connection that neither sends nor receives for this long is closed (bridge WebSockets are
      // exempt: they have their own heartbeat); the request deadlines are RequestTimeouts'
      .setIdleTimeout(config.idleTimeoutSeconds())
      .setIdleTimeoutUnit(TimeUnit.SECONDS)
      // HTTP/1.1 only: no clear-text HTTP/2 (no browser uses it) and its own slow-request variants
      .setHttp2ClearTextEnabled(false)
      // WebSocket compression: permessage-deflate (RFC 7692) only, not the pre-standard per-frame
      // draft, whose RSV rules differ (the raw bridge socket checks RSV bits itself)
      .setPerFrameWebSocketCompressionSupported(false);
    return vertx.createHttpServer(options)
      .connectionHandler(connection -> RequestTimeouts.install(connection, config.headerTimeoutMs(),
        config.requestTimeoutMs()))
      .requestHandler(router)
      .listen()
      .onSuccess(server -> LOG.debug("HTTP verticle listening on {}", server.actualPort()));
  }
}

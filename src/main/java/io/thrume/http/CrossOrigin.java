package io.thrume.http;

import io.thrume.edge.OriginPolicy;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;

/**
 * CORS for the configured origins only. Browsers send Origin on same-origin POSTs too; those
 * are the web client's own requests and pass without CORS.
 */
final class CrossOrigin implements Handler<RoutingContext> {
  private final CorsHandler cors;

  CrossOrigin(CorsHandler cors) {
    this.cors = cors;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (origin == null || OriginPolicy.sameOrigin(ctx.request(), origin)) {
      ctx.next();
    } else {
      cors.handle(ctx);
    }
  }
}

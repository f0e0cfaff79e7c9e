package io.thrume.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Headers on every response: no sniffing, no framing, no referrer leaks, a CSP fit for the web client. */
final class SecurityHeaders implements Handler<RoutingContext> {
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    + "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    + "form-action 'self'; frame-ancestors 'none'";

  @Override
  public void handle(RoutingContext ctx) {
    ctx.response().headers()
      .set("X-Content-Type-Options", "nosniff")
      .set("X-Frame-Options", "DENY")
      .set("Referrer-Policy", "no-referrer")
      .set("Content-Security-Policy", CSP)
      .set("Cross-Origin-Opener-Policy", "same-origin");
    if (ctx.request().path().startsWith("/api/")) {
      ctx.response().headers().set("Cache-Control", "no-store");
    }
    ctx.next();
  }
}

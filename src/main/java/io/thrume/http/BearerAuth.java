package io.thrume.http;

import io.thrume.auth.TokenService;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Lets a request through only with a valid bearer token; puts the account id in the context. */
final class BearerAuth implements Handler<RoutingContext> {
  static final String USER_ID = "thrume.userId";
  private static final String PREFIX = "Bearer ";
  private final TokenService tokens;

  BearerAuth(TokenService tokens) {
    this.tokens = tokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String token = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
      ? header.substring(PREFIX.length()).trim() : null;
    tokens.verify(token).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(USER_ID, ar.result());
        ctx.next();
      } else {
        Problems.fail(ctx, ar.cause());
      }
    });
  }

  static String userId(RoutingContext ctx) {
    return ctx.get(USER_ID);
  }
}

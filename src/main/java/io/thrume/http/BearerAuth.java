package io.thrume.http;

import io.thrume.edge.Problems;
import io.thrume.auth.TokenService;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Lets a request through only with a valid bearer token of a live session; puts the account and session ids in the context. */
final class BearerAuth implements Handler<RoutingContext> {
  static final String USER_ID = "thrume.userId";
  static final String SESSION_ID = "thrume.sessionId";
  private static final String PREFIX = "Bearer ";
  private final TokenService tokens;

  BearerAuth(TokenService tokens) {
    this.tokens = tokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
    check(ctx).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.next();
      } else {
        Problems.fail(ctx, ar.cause(), Api.requestId(ctx));
      }
    });
  }

  /** Verifies the request's token and puts its account and session in the context; fails UNAUTHORIZED otherwise. */
  io.vertx.core.Future<Void> check(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String token = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
      ? header.substring(PREFIX.length()).trim() : null;
    return tokens.verify(token).map(verified -> {
      ctx.put(USER_ID, verified.userId());
      ctx.put(SESSION_ID, verified.sessionId());
      return null;
    });
  }

  static String userId(RoutingContext ctx) {
    return ctx.get(USER_ID);
  }

  /** The session of the request's access token. */
  static String sessionId(RoutingContext ctx) {
    return ctx.get(SESSION_ID);
  }
}

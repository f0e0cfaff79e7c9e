package io.thrume.http;

import io.thrume.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * POST /api/auth/logout, /api/auth/logout-all and /api/auth/password (docs/security.md,
 * "Sessions"): behind the bearer check, acting on the session of the request's access token.
 */
final class SessionRoutes {
  private SessionRoutes() {
  }

  static void mount(Router router, Api api) {
    router.post("/api/auth/logout").handler(Api.handle(ctx ->
      api.call(Addresses.ACCOUNT_LOGOUT, caller(ctx).put("all", false)).map(v -> new Api.Response(204, null))));
    router.post("/api/auth/logout-all").handler(Api.handle(ctx ->
      api.call(Addresses.ACCOUNT_LOGOUT, caller(ctx).put("all", true)).map(v -> new Api.Response(204, null))));
    router.post("/api/auth/password").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      JsonObject change = caller(ctx).put("currentPassword", body.getValue("currentPassword"))
        .put("newPassword", body.getValue("newPassword"));
      return api.call(Addresses.ACCOUNT_PASSWORD, change).map(v -> new Api.Response(204, null));
    }));
  }

  private static JsonObject caller(io.vertx.ext.web.RoutingContext ctx) {
    return new JsonObject().put("userId", BearerAuth.userId(ctx)).put("sessionId", BearerAuth.sessionId(ctx));
  }
}

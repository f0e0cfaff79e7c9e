package io.thrume.http;

import io.thrume.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** POST /api/auth/register, /api/auth/login and /api/auth/refresh: the only routes without a token. */
final class AuthRoutes {
  private AuthRoutes() {
  }

  static void mount(Router router, Api api) {
    router.post("/api/auth/register").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx).put("clientAddress", clientAddress(ctx.request().remoteAddress()));
      return api.call(Addresses.ACCOUNT_REGISTER, body).map(session -> new Api.Response(201, session));
    }));
    router.post("/api/auth/login").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx).put("clientAddress", clientAddress(ctx.request().remoteAddress()));
      return api.call(Addresses.ACCOUNT_LOGIN, body).map(session -> new Api.Response(200, session));
    }));
    router.post("/api/auth/refresh").handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      JsonObject refresh = new JsonObject().put("refreshToken", body.getValue("refreshToken"))
        .put("clientAddress", clientAddress(ctx.request().remoteAddress()));
      return api.call(Addresses.ACCOUNT_REFRESH, refresh).map(session -> new Api.Response(200, session));
    }));
  }

  /** The peer address of the connection; forwarding headers are not trusted (they are the client's to forge). */
  private static String clientAddress(io.vertx.core.net.SocketAddress address) {
    return address == null ? "unknown" : address.hostAddress();
  }
}

package io.thrume.http;

import io.thrume.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** PUT and DELETE /api/blocks/{userId} (block, unblock; idempotent), GET /api/blocks (whom I blocked). */
final class BlockRoutes {
  private BlockRoutes() {
  }

  static void mount(Router router, Api api) {
    router.get("/api/blocks").handler(Api.handle(ctx ->
      api.call(Addresses.STORE_BLOCK_LIST, new JsonObject().put("userId", BearerAuth.userId(ctx)))
        .map(list -> new Api.Response(200, ((JsonObject) list).getJsonArray("accounts")))));
    router.put("/api/blocks/:userId").handler(Api.handle(ctx -> block(api, ctx, true)));
    router.delete("/api/blocks/:userId").handler(Api.handle(ctx -> block(api, ctx, false)));
  }

  private static io.vertx.core.Future<Api.Response> block(Api api, RoutingContext ctx, boolean blocked) {
    return api.asUser(ctx, Addresses.CHAT_BLOCK, new JsonObject().put("userId", ctx.pathParam("userId")).put("blocked", blocked))
      .map(reply -> Api.Response.NO_CONTENT);
  }
}

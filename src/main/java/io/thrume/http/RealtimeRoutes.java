package io.thrume.http;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.validate.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.Arrays;

/** POST /api/realtime/ticket (a single-use ticket for the bridge) and GET /api/presence?userIds=. */
final class RealtimeRoutes {
  static final int MAX_PRESENCE_IDS = 200;

  private RealtimeRoutes() {
  }

  static void mount(Router router, Api api) {
    router.post("/api/realtime/ticket").handler(Api.handle(ctx ->
      api.call(Addresses.TICKET_ISSUE, new JsonObject().put("userId", BearerAuth.userId(ctx))
        .put("sessionId", BearerAuth.sessionId(ctx)))
        .map(ticket -> new Api.Response(200, ticket))));

    router.get("/api/presence").handler(Api.handle(ctx -> {
      String raw = ctx.request().getParam("userIds");
      if (raw == null || raw.isBlank()) {
        throw Failure.INVALID.exception("userIds is required: comma-separated account ids");
      }
      JsonArray userIds = new JsonArray(Fields.accountIds(Arrays.stream(raw.split(",")).map(String::trim).toList(),
        "userIds", MAX_PRESENCE_IDS));
      return api.call(Addresses.PRESENCE_QUERY, new JsonObject().put("userId", BearerAuth.userId(ctx)).put("userIds", userIds))
        .map(presence -> new Api.Response(200, presence));
    }));
  }
}

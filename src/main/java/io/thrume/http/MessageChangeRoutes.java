package io.thrume.http;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Edits, deletes and reactions of a message, and what changed in a conversation: the same chat
 * addresses as the bridge's chat.edit, chat.delete and chat.react.
 */
final class MessageChangeRoutes {
  static final int DEFAULT_CHANGES = 50;
  static final int MAX_CHANGES = 200;
  private static final String MESSAGE = "/api/conversations/:id/messages/:seq";

  private MessageChangeRoutes() {
  }

  static void mount(Router router, Api api) {
    router.patch(MESSAGE).handler(Api.handle(ctx -> {
      JsonObject body = Api.jsonBody(ctx);
      return change(api, ctx, Addresses.CHAT_EDIT, target(ctx).put("content", body.getValue("content")));
    }));
    router.delete(MESSAGE).handler(Api.handle(ctx -> change(api, ctx, Addresses.CHAT_DELETE, target(ctx))));
    router.put(MESSAGE + "/reactions/:emoji").handler(Api.handle(ctx ->
      change(api, ctx, Addresses.CHAT_REACT, target(ctx).put("emoji", ctx.pathParam("emoji")).put("on", true))));
    router.delete(MESSAGE + "/reactions/:emoji").handler(Api.handle(ctx ->
      change(api, ctx, Addresses.CHAT_REACT, target(ctx).put("emoji", ctx.pathParam("emoji")).put("on", false))));

    router.get("/api/conversations/:id/changes").handler(Api.handle(ctx -> {
      JsonObject query = new JsonObject().put("userId", BearerAuth.userId(ctx)).put("conversationId", Api.conversationId(ctx))
        .put("after", Api.longParam(ctx, "after", 0, Long.MAX_VALUE, 0))
        .put("limit", (int) Api.longParam(ctx, "limit", 1, MAX_CHANGES, DEFAULT_CHANGES));
      return api.call(Addresses.STORE_MESSAGE_CHANGES, query).map(page -> new Api.Response(200, page));
    }));
  }

  private static io.vertx.core.Future<Api.Response> change(Api api, RoutingContext ctx, String address, JsonObject body) {
    return api.asUser(ctx, address, body).map(reply -> new Api.Response(200, reply.body()));
  }

  private static JsonObject target(RoutingContext ctx) {
    return new JsonObject().put("conversationId", Api.conversationId(ctx)).put("seq", seq(ctx));
  }

  private static long seq(RoutingContext ctx) {
    try {
      long seq = Long.parseLong(ctx.pathParam("seq"));
      if (seq >= 1) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // the same answer as a seq below 1
    }
    throw Failure.INVALID.exception("seq must be a whole number of at least 1");
  }
}

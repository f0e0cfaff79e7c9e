package io.thrume.http;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.limit.Action;
import io.thrume.validate.Fields;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** GET /api/search/messages: full-text search over the caller's conversations. */
final class SearchRoutes {
  static final int MAX_QUERY_LENGTH = 200;
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 50;

  private SearchRoutes() {
  }

  static void mount(Router router, Api api) {
    router.get("/api/search/messages").handler(Api.handle(ctx -> {
      String userId = BearerAuth.userId(ctx);
      String q = ctx.request().getParam("q");
      if (q == null || q.isBlank()) {
        throw Failure.INVALID.exception("q is required: words the messages should contain");
      }
      if (q.length() > MAX_QUERY_LENGTH || q.chars().anyMatch(Character::isISOControl)) {
        throw Failure.INVALID.exception("q must be at most " + MAX_QUERY_LENGTH + " characters, without control characters");
      }
      JsonObject query = new JsonObject().put("userId", userId).put("q", q)
        .put("limit", (int) Api.longParam(ctx, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT));
      String conversationId = ctx.request().getParam("conversationId");
      if (conversationId != null) {
        query.put("conversationId", Fields.uuid(conversationId, "conversationId").toString());
      }
      return api.limit(userId, Action.SEARCH)
        .compose(v -> api.call(Addresses.STORE_MESSAGE_SEARCH, query))
        .map(found -> new Api.Response(200, found));
    }));
  }
}

package io.thrume.http;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.limit.Action;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** GET /api/accounts/me and GET /api/accounts?search=prefix. */
final class AccountRoutes {
  static final int SEARCH_LIMIT = 20;
  static final int MAX_SEARCH_LENGTH = 64;

  private AccountRoutes() {
  }

  static void mount(Router router, Api api) {
    router.get("/api/accounts/me").handler(Api.handle(ctx ->
      api.call(Addresses.STORE_ACCOUNT_GET, new JsonObject().put("id", BearerAuth.userId(ctx)))
        .map(account -> new Api.Response(200, account))));
    router.get("/api/accounts").handler(Api.handle(ctx -> {
      String search = ctx.request().getParam("search");
      if (search == null || search.isBlank()) {
        throw Failure.INVALID.exception("search is required: the start of a username or display name");
      }
      if (search.length() > MAX_SEARCH_LENGTH || search.chars().anyMatch(Character::isISOControl)) {
        throw Failure.INVALID.exception("search must be at most " + MAX_SEARCH_LENGTH + " characters, without control characters");
      }
      JsonObject query = new JsonObject().put("userId", BearerAuth.userId(ctx)).put("prefix", search.trim())
        .put("limit", SEARCH_LIMIT);
      return api.limit(BearerAuth.userId(ctx), Action.SEARCH)
        .compose(v -> api.call(Addresses.STORE_ACCOUNT_SEARCH, query))
        .map(found -> new Api.Response(200, ((JsonObject) found).getJsonArray("accounts")));
    }));
  }
}

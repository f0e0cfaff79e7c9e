package io.thrume.http;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Local;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** GET /health/live (the process answers) and GET /health/ready (database and cluster reachable). */
final class HealthRoutes {
  private static final long READY_TIMEOUT_MS = 3000;

  private HealthRoutes() {
  }

  static void mount(Router router, Vertx vertx) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(ctx -> vertx.eventBus()
      .request(Addresses.STORE_PING, new JsonObject(), Local.delivery().setSendTimeout(READY_TIMEOUT_MS))
      .onComplete(ar -> {
        String cluster = vertx.isClustered() ? "UP" : "NOT_CLUSTERED";
        JsonObject body = new JsonObject().put("status", ar.succeeded() ? "UP" : "DOWN")
          .put("database", ar.succeeded() ? "UP" : "DOWN").put("cluster", cluster);
        if (ar.failed()) {
          ctx.response().putHeader("Retry-After", Long.toString(Failure.UNAVAILABLE_RETRY_AFTER_SECONDS));
        }
        ctx.response().setStatusCode(ar.succeeded() ? 200 : 503).putHeader("Content-Type", "application/json")
          .end(body.encode());
      }));
  }
}

package io.thrume.http;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Local;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.BooleanSupplier;

/** GET /health/live (the process answers) and GET /health/ready (database and cluster reachable, not draining). */
final class HealthRoutes {
  private static final long READY_TIMEOUT_MS = 3000;

  private HealthRoutes() {
  }

  /** {@code draining}: the node is going down, so it is not ready whatever the database says. */
  static void mount(Router router, Vertx vertx, BooleanSupplier draining, BooleanSupplier cutOff) {
    // a node cut off from its cluster answers, but serves a split view: restart it
    router.get("/health/live").handler(ctx -> answer(ctx, cutOff.getAsBoolean() ? 503 : 200,
      cutOff.getAsBoolean() ? new JsonObject().put("status", "DOWN").put("cutOff", true) : new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(ctx -> {
      if (draining.getAsBoolean()) {
        answer(ctx, 503, new JsonObject().put("status", "DOWN").put("draining", true));
        return;
      }
      vertx.eventBus().request(Addresses.STORE_PING, new JsonObject(), Local.delivery().setSendTimeout(READY_TIMEOUT_MS))
        .onComplete(ar -> {
          String cluster = vertx.isClustered() ? "UP" : "NOT_CLUSTERED";
          answer(ctx, ar.succeeded() ? 200 : 503, new JsonObject().put("status", ar.succeeded() ? "UP" : "DOWN")
            .put("database", ar.succeeded() ? "UP" : "DOWN").put("cluster", cluster));
        });
    });
  }

  private static void answer(RoutingContext ctx, int status, JsonObject body) {
    if (status == 503) {
      ctx.response().putHeader("Retry-After", Long.toString(Failure.UNAVAILABLE_RETRY_AFTER_SECONDS));
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}

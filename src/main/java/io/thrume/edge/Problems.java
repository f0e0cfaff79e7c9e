package io.thrume.edge;

import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.ServiceFailure;
import io.thrume.metrics.ThrumeMetrics;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;

/** Errors as application/problem+json {type, title, status, detail} (RFC 9457). */
public final class Problems {
  static final String CONTENT_TYPE = "application/problem+json";
  /**
   * Routing-context key of the node's {@link ThrumeMetrics}, put there by the first route (HttpVerticle) on every
   * path but the bridge's, which counts its own refusals (ThrumeMetrics.connectRefused), HTTP answers included.
   */
  public static final String METRICS = "thrume.metrics";

  private Problems() {
  }

  /**
   * Renders any failure: contract failures keep their code and detail, the rest become 500/503
   * (logged with the request's id).
   */
  public static Future<Void> fail(RoutingContext ctx, Throwable cause, String requestId) {
    ServiceFailure failure = Handlers.withIds(null, requestId, () -> Handlers.toFailure(ctx.request().path(), cause));
    return send(ctx, failure.status(), failure);
  }

  /** A failure of this code and detail (an UNAVAILABLE with its default time to come back). */
  public static void send(RoutingContext ctx, int status, Failure code, String detail) {
    send(ctx, status, code.exception(detail));
  }

  /**
   * The problem response of a failure: code → {@code type}, detail → {@code detail}; a 429 or 503
   * says when to come back in {@code Retry-After} (1 s when the failure does not say).
   */
  public static Future<Void> send(RoutingContext ctx, int status, ServiceFailure failure) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return Future.succeededFuture();
    }
    Failure code = failure.code();
    if (code == Failure.RATE_LIMITED || code == Failure.UNAVAILABLE || status == 503) {
      response.putHeader("Retry-After", Long.toString(Math.max(1, failure.retryAfterSeconds())));
    }
    if (status == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    if (ctx.get(METRICS) instanceof ThrumeMetrics metrics) {
      metrics.restFailure(code);
    }
    JsonObject problem = new JsonObject()
      .put("type", "urn:thrume:problem:" + code.name().toLowerCase(Locale.ROOT).replace('_', '-'))
      .put("title", title(status))
      .put("status", status)
      .put("detail", failure.clientDetail());
    return response.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(problem.encode());
  }

  /** For failures raised by Vert.x itself (unmatched route, body too large, …). */
  public static void status(RoutingContext ctx, int status) {
    Failure code = switch (status) {
      case 400 -> Failure.INVALID;
      case 401 -> Failure.UNAUTHORIZED;
      case 403 -> Failure.FORBIDDEN;
      case 404, 405 -> Failure.NOT_FOUND;
      case 413 -> Failure.TOO_LARGE;
      case 503 -> Failure.UNAVAILABLE;
      default -> Failure.INTERNAL;
    };
    String detail = switch (status) {
      case 404 -> "no such resource";
      case 405 -> "method not allowed on this resource";
      case 413 -> "the request body is larger than allowed";
      default -> title(status);
    };
    send(ctx, status, code, detail);
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> "Internal Server Error";
    };
  }
}

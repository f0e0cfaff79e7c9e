package io.thrume.http;

import io.thrume.edge.Problems;
import io.thrume.bus.Addresses;
import io.thrume.bus.EncodedJson;
import io.thrume.bus.Failure;
import io.thrume.bus.Local;
import io.thrume.limit.Action;
import io.thrume.limit.Limits;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Function;

/** What every REST handler does: read a JSON body, call a service over the event bus, answer JSON or a problem. */
final class Api {
  /** A handler's answer: status and JSON body (none for 204). */
  record Response(int status, Object body) {
    static final Response NO_CONTENT = new Response(204, null);
  }

  private static final String REQUEST_ID = "thrume.requestId";
  private static final java.util.regex.Pattern REQUEST_ID_FORMAT = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private final EventBus bus;

  Api(EventBus bus) {
    this.bus = bus;
  }

  /** Adapts a Future-returning handler: its failures, thrown or returned, become problem responses. */
  static Handler<RoutingContext> handle(Function<RoutingContext, Future<Response>> handler) {
    return ctx -> {
      Future<Response> result;
      try {
        result = handler.apply(ctx);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(ar -> {
        if (ar.failed()) {
          Problems.fail(ctx, ar.cause(), Api.requestId(ctx));
        } else if (!ctx.response().ended() && ar.result().status() == 204) {
          ctx.response().setStatusCode(204).end();
        } else if (!ctx.response().ended()) {
          Object body = ar.result().body();
          Buffer json = body instanceof EncodedJson e ? e.utf8()
            : Buffer.buffer(body instanceof JsonObject o ? o.encode() : body instanceof JsonArray a ? a.encode() : "{}");
          ctx.response().setStatusCode(ar.result().status()).putHeader("Content-Type", "application/json").end(json);
        }
      });
    };
  }

  /** The request body as a JSON object; INVALID when it is missing, malformed or not an object. */
  static JsonObject jsonBody(RoutingContext ctx) {
    RequestBody body = ctx.body();
    if (body == null || body.length() == 0) {
      throw Failure.INVALID.exception("a JSON object body is required");
    }
    Object parsed;
    try {
      parsed = body.asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw Failure.INVALID.exception("the body is not a JSON object");
    }
    if (parsed == null) {
      throw Failure.INVALID.exception("the body is not a JSON object");
    }
    return (JsonObject) parsed;
  }

  /** Calls a service as the authenticated user of the request (stamped in the user header). */
  Future<Message<Object>> asUser(RoutingContext ctx, String address, JsonObject body) {
    return bus.request(address, body, Local.delivery().addHeader(Addresses.USER_HEADER, BearerAuth.userId(ctx))
      .addHeader(Addresses.REQUEST_HEADER, requestId(ctx)));
  }

  /**
   * The request's id for the logs: its X-Request-Id (from a proxy) when that is a short plain token,
   * else a random one; made once per request, and only when something needs it.
   */
  static String requestId(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID);
    if (id == null) {
      String given = ctx.request().getHeader("X-Request-Id");
      id = given != null && REQUEST_ID_FORMAT.matcher(given).matches() ? given
        : Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
      ctx.put(REQUEST_ID, id);
    }
    return id;
  }

  /** Succeeds when the user may do the action now; RATE_LIMITED (429 with Retry-After) otherwise. */
  Future<Void> limit(String userId, Action action) {
    return Limits.take(bus, userId, action);
  }

  Future<Object> call(String address, JsonObject body) {
    return bus.request(address, body, Local.delivery()).map(Message::body);
  }

  /** A whole-number query parameter between min and max (INVALID otherwise), or the fallback when absent. */
  static long longParam(RoutingContext ctx, String name, long min, long max, long fallback) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return fallback;
    }
    long value;
    try {
      value = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw Failure.INVALID.exception(name + " must be a whole number");
    }
    if (value < min || value > max) {
      throw Failure.INVALID.exception(name + " must be between " + min + " and " + max);
    }
    return value;
  }

  /** The {id} of a /api/conversations/{id}/… path: a UUID, INVALID otherwise. */
  static String conversationId(RoutingContext ctx) {
    return io.thrume.validate.Fields.uuid(ctx.pathParam("id"), "conversation id").toString();
  }
}

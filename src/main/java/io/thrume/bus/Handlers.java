package io.thrume.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Binds an address to a Future-returning handler: success replies, failure fails with a contract
 * code. Services are local consumers: each node answers its own requests (its own database pool,
 * its own sockets' typing timers), so clustering never routes a request to another node.
 */
public final class Handlers {
  private static final Logger LOG = LoggerFactory.getLogger(Handlers.class);
  /** MDC key: the bridge socket (node id - number) a logged failure came from. */
  public static final String MDC_SOCKET = "socket";
  /** MDC key: the REST request a logged failure came from (its X-Request-Id, or one made up). */
  public static final String MDC_REQUEST = "request";

  private Handlers() {
  }

  public static MessageConsumer<JsonObject> serve(EventBus bus, String address,
                                                  Function<Message<JsonObject>, Future<?>> handler) {
    return bus.localConsumer(address, message -> answer(address, message, handler));
  }

  /** The same for an address other nodes send to (a node's own address, registered once at start-up). */
  public static MessageConsumer<JsonObject> serveCluster(EventBus bus, String address,
                                                         Function<Message<JsonObject>, Future<?>> handler) {
    return bus.consumer(address, message -> answer(address, message, handler));
  }

  private static void answer(String address, Message<JsonObject> message, Function<Message<JsonObject>, Future<?>> handler) {
    Future<?> result;
    try {
      result = handler.apply(message);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded() && ar.result() instanceof Reply reply) {
        message.reply(reply.body(), reply.options());
      } else if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        // the typed failure itself: a local requester gets it as is, another node through ServiceFailureCodec
        message.reply(withIds(message.headers().get(Addresses.SOCKET_HEADER),
          message.headers().get(Addresses.REQUEST_HEADER), () -> toFailure(address, ar.cause())));
      }
    });
  }

  /**
   * Runs {@code action} with the socket or request a failure came from in the MDC ({@value #MDC_SOCKET},
   * {@value #MDC_REQUEST}), so that what it logs carries them (JSON logs: "mdc"); cleared after. Vert.x runs
   * many requests on one thread, so the MDC is set only around such calls, never for a whole request.
   */
  public static <T> T withIds(String socketId, String requestId, Supplier<T> action) {
    if (socketId == null && requestId == null) {
      return action.get();
    }
    if (socketId != null) {
      MDC.put(MDC_SOCKET, socketId);
    }
    if (requestId != null) {
      MDC.put(MDC_REQUEST, requestId);
    }
    try {
      return action.get();
    } finally {
      MDC.remove(MDC_SOCKET);
      MDC.remove(MDC_REQUEST);
    }
  }

  /** Known failures pass through; anything else is logged here and hidden behind a generic message. */
  public static ServiceFailure toFailure(String address, Throwable cause) {
    if (cause instanceof ServiceFailure failure) {
      return failure;
    }
    if (cause instanceof ReplyException re && re.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
      return Failure.UNAVAILABLE.exception("a service did not answer");
    }
    ServiceFailure parsed = cause instanceof ReplyException re ? ServiceFailure.parse(re) : null;
    if (parsed != null) {
      return parsed;
    }
    // the database refusing, ending or resetting connections (a restart, a failover): come back later
    if (cause instanceof PgException || cause instanceof java.io.IOException
        || cause instanceof io.vertx.sqlclient.ClosedConnectionException) {
      LOG.warn("{} failed: {}", address, cause.toString());
      return Failure.UNAVAILABLE.exception("the database is not available");
    }
    LOG.error("{} failed", address, cause);
    return Failure.INTERNAL.exception("unexpected error");
  }
}

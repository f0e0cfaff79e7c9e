package io.thrume.bus;

import io.thrume.transport.Frames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The typed failure: what it says at the edges (the wire texts clients rely on), and that it
 * arrives whole after a hop over the event bus, local or between nodes (its codec).
 */
class ServiceFailureTest {
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    ServiceFailureCodec.register(vertx.eventBus());
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theWireTextsStayAsTheyWere() {
    ServiceFailure invalid = Failure.INVALID.exception("content is required");
    assertEquals(400, invalid.status());
    assertEquals(400, invalid.failureCode());
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, invalid.failureType());
    assertEquals("INVALID: content is required", invalid.getMessage());
    assertEquals(ServiceFailure.NO_RETRY_AFTER, invalid.retryAfterSeconds());

    ServiceFailure limited = Failure.rateLimited(3);
    assertEquals("RATE_LIMITED: retry after 3 s", limited.getMessage());
    assertEquals(3, limited.retryAfterSeconds());
    assertEquals(429, limited.status());

    // an UNAVAILABLE always says when to come back
    ServiceFailure unavailable = Failure.UNAVAILABLE.exception("the database is not available");
    assertEquals("the database is not available, retry after 1 s", unavailable.clientDetail());
    assertEquals("the database is not available", unavailable.detail());
    assertEquals(1, unavailable.retryAfterSeconds());

    // unless it has a time of its own (a drain's)
    ServiceFailure drain = new ServiceFailure(Failure.UNAVAILABLE, "server restarting, reconnect in 700 ms",
      ServiceFailure.NO_RETRY_AFTER);
    assertEquals("UNAVAILABLE: server restarting, reconnect in 700 ms", drain.getMessage());
  }

  @Test
  void anErrFrameCarriesCodeStatusAndText() {
    JsonObject frame = new JsonObject(Frames.err("r-1", Failure.rateLimited(4)));
    assertEquals(new JsonObject().put("type", "err").put("address", "r-1").put("failureCode", 429)
      .put("failureType", "RECIPIENT_FAILURE").put("message", "RATE_LIMITED: retry after 4 s"), frame);
    JsonObject unavailable = new JsonObject(Frames.err(null, Failure.UNAVAILABLE, "tickets cannot be checked now"));
    assertEquals("UNAVAILABLE: tickets cannot be checked now, retry after 1 s", unavailable.getString("message"));
    assertNull(unavailable.getString("address"));
  }

  @Test
  void theCodecCarriesEveryFieldBetweenNodes() {
    ServiceFailureCodec codec = new ServiceFailureCodec();
    for (ServiceFailure sent : new ServiceFailure[] {Failure.rateLimited(12), Failure.UNAVAILABLE.exception("ünïcode ✓"),
        Failure.NOT_FOUND.exception(""), new ServiceFailure(Failure.CONFLICT, "taken", ServiceFailure.NO_RETRY_AFTER)}) {
      Buffer wire = Buffer.buffer().appendString("header");
      codec.encodeToWire(wire, sent);
      ServiceFailure received = codec.decodeFromWire("header".length(), wire);
      assertEquals(sent.code(), received.code());
      assertEquals(sent.detail(), received.detail());
      assertEquals(sent.retryAfterSeconds(), received.retryAfterSeconds());
      assertEquals(sent.getMessage(), received.getMessage());
      assertEquals(sent.failureCode(), received.failureCode());
    }
  }

  @Test
  void aLocalRequesterGetsTheFailureItself() throws Exception {
    ServiceFailure failure = Failure.rateLimited(7);
    Handlers.serve(vertx.eventBus(), "test.failure.typed", m -> Future.failedFuture(failure));
    Throwable got = vertx.eventBus().request("test.failure.typed", new JsonObject(), Local.delivery())
      .map(m -> (Throwable) null).otherwise(e -> e)
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertSame(failure, got);
    assertSame(failure, Handlers.toFailure("test", got));
  }

  @Test
  void otherFailuresBecomeContractFailures() {
    // nobody answered
    ServiceFailure timeout = Handlers.toFailure("test", new ReplyException(ReplyFailure.TIMEOUT, "timed out"));
    assertEquals("UNAVAILABLE: a service did not answer, retry after 1 s", timeout.getMessage());
    // a plain "CODE: detail" (a reply failed without the typed failure): its text is kept as it is
    ServiceFailure plain = Handlers.toFailure("test", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503,
      "UNAVAILABLE: shared state is too busy, retry after 1 s"));
    assertEquals(Failure.UNAVAILABLE, plain.code());
    assertEquals("UNAVAILABLE: shared state is too busy, retry after 1 s", plain.getMessage());
    // anything else is hidden
    ServiceFailure unexpected = Handlers.toFailure("test", new IllegalStateException("boom"));
    assertEquals("INTERNAL: unexpected error", unexpected.getMessage());
    assertEquals(500, unexpected.status());
    assertInstanceOf(ReplyException.class, unexpected);
  }
}

package io.thrume.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.thrume.bus.Addresses;
import io.thrume.bus.Handlers;
import io.thrume.support.TestThrume;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A service failure logged by Handlers carries the socket or REST request it came from (MDC), and only while it is logged. */
class FailureLogIdsTest {
  private final List<Map<String, String>> logged = new CopyOnWriteArrayList<>();
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      logged.add(Map.copyOf(event.getMDCPropertyMap())); // read on the logging thread, while the MDC is set
    }
  };
  private final Logger handlersLog = (Logger) LoggerFactory.getLogger(Handlers.class);
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    appender.start();
    handlersLog.addAppender(appender);
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    handlersLog.detachAppender(appender);
    TestThrume.await(vertx.close(), 10);
  }

  @Test
  void theSocketOrRequestIdIsInTheMdcOfTheFailureLineOnly() {
    Handlers.serve(vertx.eventBus(), "test.broken", m -> {
      throw new IllegalStateException("broken on purpose");
    });
    Handlers.serve(vertx.eventBus(), "test.inspect", m -> Future.succeededFuture(new JsonObject()
      .put("socket", String.valueOf(MDC.get(Handlers.MDC_SOCKET)))));
    TestThrume.await(vertx.eventBus().request("test.broken", new JsonObject(),
      new DeliveryOptions().addHeader(Addresses.SOCKET_HEADER, "node-1-7")).otherwiseEmpty(), 10);
    TestThrume.await(vertx.eventBus().request("test.broken", new JsonObject(),
      new DeliveryOptions().addHeader(Addresses.REQUEST_HEADER, "req-42")).otherwiseEmpty(), 10);
    assertEquals(2, logged.size(), logged.toString());
    assertEquals(Map.of(Handlers.MDC_SOCKET, "node-1-7"), logged.get(0));
    assertEquals(Map.of(Handlers.MDC_REQUEST, "req-42"), logged.get(1));
    // cleared after: the next message on the same event loop has none
    JsonObject seen = (JsonObject) TestThrume.await(vertx.eventBus().request("test.inspect", new JsonObject()), 10).body();
    assertEquals("null", seen.getString("socket"));
    assertNull(MDC.get(Handlers.MDC_SOCKET));
  }
}

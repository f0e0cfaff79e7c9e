package io.thrume.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.thrume.bus.Handlers;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped logback.xml: THRUME_LOG_FORMAT picks text or JSON lines, and both carry the MDC's ids. */
class LogFormatTest {

  @Test
  void jsonLinesCarryTheFormattedMessageAndTheSocketId() throws Exception {
    String out = logOnce("json");
    JsonObject line = new JsonObject(out.strip());
    assertEquals("WARN", line.getString("level"));
    assertEquals("refused frame from 42", line.getString("formattedMessage"));
    assertEquals("node-7", line.getJsonObject("mdc").getString("socket"));
    assertFalse(line.containsKey("arguments"), "arguments are not written twice: " + out);
    assertFalse(line.containsKey("message"), "the unformatted pattern is not written: " + out);
  }

  @Test
  void textLinesShowTheMdcInBraces() throws Exception {
    String out = logOnce("text");
    assertTrue(out.contains("refused frame from 42 {socket=node-7}"), out);
    assertEquals(1, out.strip().lines().count(), out);
  }

  @Test
  void withIdsClearsTheMdcAfterwards() {
    Handlers.withIds("s-1", "r-1", () -> {
      assertEquals("s-1", MDC.get(Handlers.MDC_SOCKET));
      assertEquals("r-1", MDC.get(Handlers.MDC_REQUEST));
      return null;
    });
    assertNull(MDC.get(Handlers.MDC_SOCKET));
    assertNull(MDC.get(Handlers.MDC_REQUEST));
  }

  /** Configures a fresh logback from the shipped logback.xml with the format, logs one line, answers stdout. */
  private static String logOnce(String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.putProperty("THRUME_LOG_FORMAT", format);
    // the MDC that org.slf4j.MDC (and so Handlers.withIds) writes to
    context.setMDCAdapter(((LoggerContext) LoggerFactory.getILoggerFactory()).getMDCAdapter());
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    // the console appender takes System.out when it starts
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
      Logger log = context.getLogger("io.thrume.test");
      Handlers.withIds("node-7", null, () -> {
        log.warn("refused frame from {}", 42);
        return null;
      });
    } finally {
      System.setOut(stdout);
      context.stop();
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}

package io.thrume.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.thrume.bus.Handlers;
import io.vertx.core.json.JsonObject;
import io.thrume.support.TestThrume;
import io.thrume.support.ThrumeProcess;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

  /** A real process with THRUME_LOG_FORMAT=json writes JSON lines, its ready line included. */
  @Test
  void aProcessStartedWithJsonLogsWritesJsonLines() throws Exception {
    Path dataDir = TestThrume.tempDir();
    try (ThrumeProcess node = ThrumeProcess.start(Map.of("THRUME_DATA_DIR", dataDir.toString(), "THRUME_LOG_FORMAT", "json"),
      TestThrume.freePort())) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      boolean ready = false;
      while (!ready && System.nanoTime() < deadline) {
        // the ready line comes once the deployment completes, a moment after /health/ready answers
        ready = node.output().lines().filter(l -> l.startsWith("{")).map(JsonObject::new)
          .anyMatch(l -> l.getString("formattedMessage", "").startsWith("Thrume ready: ")
            && "io.thrume.Main".equals(l.getString("loggerName")));
        Thread.sleep(100);
      }
      assertTrue(ready, node.output());
      assertTrue(node.output().lines().noneMatch(l -> l.contains(" INFO  [")), "no text lines: " + node.output());
    }
  }

  @Test
  void anUnknownLogFormatStopsTheStartWithStatus2() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ThrumeProcess.start(
      Map.of("THRUME_DATA_DIR", TestThrume.tempDir().toString(), "THRUME_LOG_FORMAT", "xml"), TestThrume.freePort()));
    assertTrue(e.getMessage().contains("exited with 2"), e.getMessage());
    assertTrue(e.getMessage().contains("THRUME_LOG_FORMAT must be text or json, got 'xml'"), e.getMessage());
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

package io.thrume.http;

import io.thrume.config.ConfigKeys;
import io.thrume.config.ConfigLoader;
import io.thrume.config.Settings;
import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP connection timeouts, over raw TCP sockets: a request whose head or body trickles in is
 * closed once its deadline passes, however often bytes arrive (slowloris); a silent connection is
 * closed by the idle timeout; a keep-alive connection between requests is not a half-sent
 * request; bridge sockets (raw WebSocket, SockJS) outlive the HTTP timeouts. The instance uses
 * short timeouts (idle 3 s, head 1.5 s, request 3 s) so that the test runs in seconds.
 */
class HttpTimeoutsTest {
  static final int IDLE_SECONDS = 3;
  static final int HEADER_MS = 1500;
  static final int REQUEST_MS = 3000;
  static TestThrume thrume;
  static RestClient rest;

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject().put("http", new JsonObject()
      .put("idleTimeoutSeconds", IDLE_SECONDS).put("headerTimeoutMs", HEADER_MS).put("requestTimeoutMs", REQUEST_MS)),
      TestThrume.tempDir());
    rest = thrume.client();
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  @Test
  void theDefaultsCloseAHalfSentRequestWithin30Seconds() {
    Settings defaults = new Settings(ConfigLoader.defaults());
    assertTrue(defaults.integer(ConfigKeys.HTTP_HEADER_TIMEOUT_MS) > 0);
    assertTrue(defaults.integer(ConfigKeys.HTTP_HEADER_TIMEOUT_MS) <= 30_000);
    assertTrue(defaults.integer(ConfigKeys.HTTP_REQUEST_TIMEOUT_MS) > 0);
    assertTrue(defaults.integer(ConfigKeys.HTTP_REQUEST_TIMEOUT_MS) <= 30_000);
    assertTrue(defaults.integer(ConfigKeys.HTTP_IDLE_TIMEOUT_SECONDS) > 0);
    assertTrue(defaults.integer(ConfigKeys.HTTP_IDLE_TIMEOUT_SECONDS) <= 30);
  }

  @Test
  void aRequestHeadSentSlowlyIsClosedAtItsDeadline() throws IOException {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      send(socket, "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      // a header line every 400 ms: the connection is never idle, the head never complete
      Outcome outcome = trickle(socket, 400, i -> "X-Slow-" + i + ": yes\r\n", 8_000);
      assertTrue(outcome.closed, "still open after 8 s of trickled headers");
      assertEquals("", outcome.response, "no response to a head that never ended");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms >= HEADER_MS - 200 && ms < HEADER_MS + 1_500, "closed after " + ms + " ms");
    }
  }

  @Test
  void aRequestLineSentByteByByteIsClosedToo() throws IOException {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      String line = "GET /health/live HTTP/1.1\r\n";
      Outcome outcome = trickle(socket, 300, i -> i < line.length() ? String.valueOf(line.charAt(i)) : "X", 8_000);
      assertTrue(outcome.closed, "still open after 8 s");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < HEADER_MS + 1_500, "closed after " + ms + " ms");
    }
  }

  @Test
  void aBodySentSlowlyIsClosedAtTheRequestDeadline() throws IOException {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      send(socket, "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 500\r\n\r\n{");
      Outcome outcome = trickle(socket, 300, i -> " ", 10_000);
      assertTrue(outcome.closed, "still open after 10 s of a trickled body");
      assertEquals("", outcome.response);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms >= REQUEST_MS - 200 && ms < REQUEST_MS + 1_500, "closed after " + ms + " ms");
    }
  }

  @Test
  void aHalfSentRequestThatStopsIsClosedAtItsHeadDeadline() throws IOException {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      send(socket, "GET /health/live HTT");
      Outcome outcome = trickle(socket, 200, i -> "", 6_000);
      assertTrue(outcome.closed);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < HEADER_MS + 1_000, "closed after " + ms + " ms: the head deadline, not the idle timeout");
    }
  }

  @Test
  void aSilentConnectionIsClosedByTheIdleTimeout() throws IOException {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      Outcome outcome = trickle(socket, 200, i -> "", 8_000);
      assertTrue(outcome.closed, "a silent connection still open after 8 s");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms >= IDLE_SECONDS * 1000 - 200 && ms < IDLE_SECONDS * 1000 + 1_500, "closed after " + ms + " ms");
    }
  }

  @Test
  void aKeepAliveConnectionWaitingForItsNextRequestIsNotAHalfSentOne() throws Exception {
    try (Socket socket = connect()) {
      for (int i = 0; i < 3; i++) {
        send(socket, "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        String response = readResponse(socket);
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        // longer than the head deadline, shorter than the idle timeout: the next request is served
        Thread.sleep(HEADER_MS + 500);
      }
      // a complete request sent in pieces, each well within the deadlines, is served too
      send(socket, "GET /health/live HTTP/1.1\r\n");
      Thread.sleep(300);
      send(socket, "Host: 127.0.0.1\r\n\r\n");
      assertTrue(readResponse(socket).startsWith("HTTP/1.1 200"));
    }
  }

  @Test
  void aRawBridgeWebSocketOutlivesTheHttpTimeouts() throws Exception {
    User alice = rest.register("quiet");
    try (BridgeClient client = BridgeClient.connect(thrume, alice.token())) {
      // silent both ways for longer than the HTTP idle timeout (the bridge's own is 30 s)
      Thread.sleep(IDLE_SECONDS * 1000L + 2_000);
      JsonObject reply = client.request("chat.sync", new JsonObject().put("positions", new JsonObject()));
      assertEquals("rec", reply.getString("type"), reply.encode());
    }
  }

  @Test
  void aSockJSWebSocketOutlivesTheIdleTimeoutOnItsHeartbeat() throws Exception {
    User bob = rest.register("quiet");
    String ticket = rest.post("/api/realtime/ticket", bob.token(), null).json().getString("ticket");
    WebSocketClient client = thrume.vertx.createWebSocketClient();
    try {
      List<String> frames = new CopyOnWriteArrayList<>();
      Promise<Void> closed = Promise.promise();
      var ws = TestThrume.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(thrume.port)
        .setURI("/eventbus/000/quiet" + System.nanoTime() + "/websocket?ticket=" + ticket)).map(s -> {
          s.textMessageHandler(frames::add);
          s.closeHandler(v -> closed.tryComplete());
          return s;
        }), 10);
      Thread.sleep(IDLE_SECONDS * 1000L + 2_000);
      assertFalse(closed.future().isComplete(), "closed: " + frames);
      assertTrue(frames.contains("h"), "SockJS heartbeats: " + frames);
      String request = new JsonObject().put("type", "send").put("address", "chat.sync")
        .put("body", new JsonObject().put("positions", new JsonObject())).put("replyAddress", "after-silence").encode();
      TestThrume.await(ws.writeTextMessage(new JsonArray().add(request).encode()), 10);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (frames.stream().noneMatch(f -> f.contains("after-silence")) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(frames.stream().anyMatch(f -> f.startsWith("a[") && f.contains("after-silence")), frames.toString());
    } finally {
      client.close();
    }
  }

  @Test
  void aSockJSXhrStreamOutlivesTheIdleTimeoutOnItsHeartbeat() throws Exception {
    User carol = rest.register("quiet");
    String ticket = rest.post("/api/realtime/ticket", carol.token(), null).json().getString("ticket");
    try (Socket socket = connect()) {
      send(socket, "POST /eventbus/000/stream" + System.nanoTime() + "/xhr_streaming?ticket=" + ticket
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
      Outcome outcome = trickle(socket, 200, i -> "", IDLE_SECONDS * 1000 + 2_000);
      assertFalse(outcome.closed, "the stream was closed: " + outcome.response);
      assertTrue(outcome.response.startsWith("HTTP/1.1 200"), outcome.response);
      assertTrue(outcome.response.contains("o\n"), "SockJS' open frame");
      assertTrue(outcome.response.contains("h\n"), "heartbeats kept the stream alive");
    }
  }

  // ---- helpers

  private record Outcome(boolean closed, String response) {
  }

  private static Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", thrume.port);
    socket.setTcpNoDelay(true);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /**
   * Every {@code everyMs}, writes the next piece (if any) and looks for the end of the connection,
   * for at most {@code forMs}; answers whether it ended, and what came back meanwhile.
   */
  private static Outcome trickle(Socket socket, int everyMs, java.util.function.IntFunction<String> piece, int forMs)
    throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    socket.setSoTimeout(everyMs);
    long deadline = System.nanoTime() + forMs * 1_000_000L;
    byte[] buffer = new byte[8192];
    for (int i = 0; System.nanoTime() < deadline; i++) {
      try {
        int n = in.read(buffer);
        if (n < 0) {
          return new Outcome(true, received.toString(StandardCharsets.ISO_8859_1));
        }
        received.write(buffer, 0, n);
      } catch (SocketTimeoutException quiet) {
        // nothing came: send the next piece
      } catch (SocketException reset) {
        return new Outcome(true, received.toString(StandardCharsets.ISO_8859_1));
      }
      String next = piece.apply(i);
      if (!next.isEmpty()) {
        try {
          send(socket, next);
        } catch (IOException closedMeanwhile) {
          return new Outcome(true, received.toString(StandardCharsets.ISO_8859_1));
        }
      }
    }
    return new Outcome(false, received.toString(StandardCharsets.ISO_8859_1));
  }

  /** One response with a Content-Length body. */
  private static String readResponse(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed: " + head);
      }
      head.write(b);
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (h.endsWith("\r\n\r\n")) {
        int length = h.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
          .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElse(0);
        return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
      }
    }
  }
}

package io.thrume.bridge;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 6455 (and RFC 7692 permessage-deflate) on the raw /eventbus/websocket, with frames written
 * byte by byte over a plain TCP socket, so that masking, RSV bits, opcodes, fragmentation and
 * payloads are the test's own: RSV bits not negotiated fail with 1002, text that is not UTF-8
 * (also split across continuation frames) with 1007, control frames behave (pong with the ping's
 * payload, a close echoed, oversized or fragmented control frames and invalid close codes fail
 * with 1002), and compressed frames work once permessage-deflate is negotiated.
 */
class WebSocketConformanceTest {
  static final int RSV1 = 0x40;
  static final int RSV2 = 0x20;
  static final int RSV3 = 0x10;
  static final int CONTINUATION = 0x0;
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;
  static final int PONG = 0xA;

  static TestThrume thrume;
  static RestClient rest;
  static User user;

  @BeforeAll
  static void start() {
    // one user opens every socket of this test, each with a ticket of its own, and syncs on many:
    // the ticket and sync limits are lifted
    JsonObject lifted = new JsonObject().put("burst", 100_000).put("perSecond", 100_000.0);
    thrume = TestThrume.start(new JsonObject().put("limits", new JsonObject()
      .put("ticket", lifted).put("sync", lifted.copy())), TestThrume.tempDir());
    rest = thrume.client();
    user = rest.register("frames");
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  // ---- RSV bits (RFC 6455 §5.2)

  @Test
  void rsvBitsWithoutANegotiatedExtensionFailWith1002() throws IOException {
    for (int rsv : new int[]{RSV1, RSV2, RSV3, RSV1 | RSV2}) {
      try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
        assertNull(ws.extensions, "nothing negotiated");
        ws.send(true, rsv, TEXT, ping());
        assertEquals(1002, ws.awaitClose().code(), "RSV " + Integer.toHexString(rsv));
        ws.assertEnd();
      }
    }
  }

  @Test
  void aSocketWithoutRsvBitsWorks() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, TEXT, sync("plain"));
      assertEquals("plain", ws.awaitReply().getString("address"));
      ws.send(true, 0, BINARY, sync("binary too"));
      assertEquals("binary too", ws.awaitReply().getString("address"));
    }
  }

  // ---- UTF-8 (RFC 6455 §8.1)

  @Test
  void textThatIsNotUtf8FailsWith1007() throws IOException {
    byte[][] invalid = {
      {(byte) 0xff},                               // never in UTF-8
      {(byte) 0xc0, (byte) 0xaf},                  // overlong '/'
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80},     // a UTF-16 surrogate
      {(byte) 0xe2, (byte) 0x82},                  // a sequence cut short at the end of the message
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
    };
    for (byte[] bad : invalid) {
      try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
        ws.send(true, 0, TEXT, concat(bytes("{\"type\":\"ping\",\"x\":\""), bad, bytes("\"}")));
        assertEquals(1007, ws.awaitClose().code(), Arrays.toString(bad));
        ws.assertEnd();
      }
    }
  }

  @Test
  void invalidUtf8SplitAcrossContinuationFramesFailsWith1007() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      // "€" is E2 82 AC: its first two bytes end the first frame, and an invalid byte starts the next
      ws.send(false, 0, TEXT, concat(bytes("{\"type\":\"ping\",\"x\":\""), new byte[]{(byte) 0xe2, (byte) 0x82}));
      ws.send(true, 0, CONTINUATION, concat(new byte[]{(byte) 0x28}, bytes("\"}")));
      assertEquals(1007, ws.awaitClose().code());
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      // an invalid byte in the first fragment fails at once, before the message is complete
      ws.send(false, 0, TEXT, concat(bytes("{\"type\":"), new byte[]{(byte) 0xfe}));
      assertEquals(1007, ws.awaitClose().code());
      ws.assertEnd();
    }
  }

  @Test
  void validUtf8SplitAcrossContinuationFramesIsJoined() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      byte[] message = sync("r-€-ok");
      int cut = indexOf(message, (byte) 0xe2) + 1; // inside the euro sign
      ws.send(false, 0, TEXT, Arrays.copyOfRange(message, 0, cut));
      ws.send(false, 0, CONTINUATION, Arrays.copyOfRange(message, cut, cut + 1));
      ws.send(true, 0, CONTINUATION, Arrays.copyOfRange(message, cut + 1, message.length));
      assertEquals("r-€-ok", ws.awaitReply().getString("address"));
    }
  }

  @Test
  void binaryMessagesAreNotCheckedForUtf8() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      // not JSON either: the bridge answers INVALID, and the socket stays open
      ws.send(true, 0, BINARY, new byte[]{(byte) 0xff, (byte) 0xfe});
      Frame err = ws.next();
      assertEquals(BINARY, err.opcode);
      assertEquals("err", new JsonObject(new String(err.payload, StandardCharsets.UTF_8)).getString("type"));
      ws.send(true, 0, TEXT, sync("still open"));
      assertEquals("still open", ws.awaitReply().getString("address"));
    }
  }

  // ---- control frames and closing (RFC 6455 §5.5, §7)

  @Test
  void aPingIsAnsweredWithAPongCarryingItsPayload() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, PING, bytes("are you there?"));
      Frame pong = ws.next();
      assertEquals(PONG, pong.opcode);
      assertTrue(pong.fin);
      assertEquals("are you there?", new String(pong.payload, StandardCharsets.UTF_8));
      byte[] largest = new byte[125];
      new SecureRandom().nextBytes(largest);
      ws.send(true, 0, PING, largest);
      assertArrayEquals(largest, ws.next().payload);
      ws.send(true, 0, PING, new byte[0]);
      Frame empty = ws.next();
      assertEquals(PONG, empty.opcode);
      assertEquals(0, empty.payload.length);
      // an unsolicited pong is ignored
      ws.send(true, 0, PONG, bytes("unasked"));
      ws.send(true, 0, TEXT, sync("after pong"));
      assertEquals("after pong", ws.awaitReply().getString("address"));
    }
  }

  @Test
  void aPingBetweenTheFragmentsOfAMessageIsAnswered() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      byte[] message = sync("around a ping");
      int half = message.length / 2;
      ws.send(false, 0, TEXT, Arrays.copyOfRange(message, 0, half));
      ws.send(true, 0, PING, bytes("mid"));
      assertEquals("mid", new String(ws.next().payload, StandardCharsets.UTF_8));
      ws.send(true, 0, CONTINUATION, Arrays.copyOfRange(message, half, message.length));
      assertEquals("around a ping", ws.awaitReply().getString("address"));
    }
  }

  @Test
  void controlFramesOver125BytesOrFragmentedFailWith1002() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, PING, new byte[126]);
      assertEquals(1002, ws.awaitClose().code());
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(false, 0, PING, bytes("part"));
      assertEquals(1002, ws.awaitClose().code());
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, CLOSE, concat(new byte[]{0x03, (byte) 0xe8}, new byte[124]));
      assertEquals(1002, ws.awaitClose().code());
      ws.assertEnd();
    }
  }

  @Test
  void aCloseTheServerBeginsWaitsForTheClientsCloseAndReadsWhatComesMeanwhile() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      // a frame over bridge.maxFrameBytes: refused, and the server closes with 1009
      byte[] tooLarge = new byte[65_536 + 100];
      Arrays.fill(tooLarge, (byte) 'x');
      ws.send(true, 0, TEXT, concat(bytes("{\"type\":\"ping\",\"x\":\""), tooLarge, bytes("\"}")));
      assertEquals(1009, ws.awaitClose().code());
      // the client has not seen the close yet and goes on sending: read and dropped, not answered
      // with a reset (which can cost a client the frames it had not read yet)
      for (int i = 0; i < 20; i++) {
        ws.send(true, 0, TEXT, ping());
        Thread.sleep(10);
      }
      // the client's close ends the handshake, and the connection
      ws.send(true, 0, CLOSE, new byte[]{(byte) (1009 >> 8), (byte) 1009});
      ws.assertEnd();
    }
  }

  @Test
  void aCloseIsEchoedWithItsCodeThenTheConnectionEnds() throws IOException {
    for (int code : new int[]{1000, 1001, 1003, 1011, 3000, 4000, 4999}) {
      try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
        ws.send(true, 0, CLOSE, concat(new byte[]{(byte) (code >> 8), (byte) code}, bytes("bye")));
        assertEquals(code, ws.awaitClose().code());
        ws.assertEnd();
      }
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, CLOSE, new byte[0]);
      Frame close = ws.awaitClose();
      assertEquals(-1, close.code(), "an empty close is answered with an empty close");
      ws.assertEnd();
    }
  }

  @Test
  void invalidCloseFramesFail() throws IOException {
    // codes no endpoint may send (RFC 6455 §7.4): 1002
    for (int code : new int[]{0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
      try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
        ws.send(true, 0, CLOSE, new byte[]{(byte) (code >> 8), (byte) code});
        assertEquals(1002, ws.awaitClose().code(), "close code " + code);
        ws.assertEnd();
      }
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, CLOSE, new byte[]{0x03});
      assertEquals(1002, ws.awaitClose().code(), "a one-byte close payload");
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, CLOSE, new byte[]{0x03, (byte) 0xe8, (byte) 0xff});
      assertEquals(1007, ws.awaitClose().code(), "a close reason that is not UTF-8");
      ws.assertEnd();
    }
  }

  @Test
  void framingErrorsFailWith1002() throws IOException {
    for (int opcode : new int[]{0x3, 0x7, 0xB, 0xF}) {
      try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
        ws.send(true, 0, opcode, bytes("reserved"));
        assertEquals(1002, ws.awaitClose().code(), "reserved opcode " + opcode);
        ws.assertEnd();
      }
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(true, 0, CONTINUATION, bytes("nothing to continue"));
      assertEquals(1002, ws.awaitClose().code());
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.send(false, 0, TEXT, bytes("{\"type\":"));
      ws.send(true, 0, TEXT, bytes("\"ping\"}"));
      assertEquals(1002, ws.awaitClose().code(), "a new message while one is unfinished");
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), false)) {
      ws.sendUnmasked(TEXT, ping());
      assertEquals(1002, ws.awaitClose().code(), "client frames must be masked");
      ws.assertEnd();
    }
  }

  // ---- permessage-deflate (RFC 7692)

  @Test
  void compressedFramesWorkWhenPermessageDeflateIsNegotiated() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), true)) {
      assertNotNull(ws.extensions, "the server accepts permessage-deflate");
      assertTrue(ws.extensions.startsWith("permessage-deflate"), ws.extensions);
      ws.send(true, RSV1, TEXT, ws.compress(sync("compressed")));
      assertEquals("compressed", ws.awaitReply().getString("address"));
      // an uncompressed message (RSV1 clear) is fine in the same session
      ws.send(true, 0, TEXT, sync("not compressed"));
      assertEquals("not compressed", ws.awaitReply().getString("address"));
      // a compressed message in fragments: RSV1 on the first frame only
      byte[] deflated = ws.compress(sync("fragments of €"));
      int half = deflated.length / 2;
      ws.send(false, RSV1, TEXT, Arrays.copyOfRange(deflated, 0, half));
      ws.send(true, 0, CONTINUATION, Arrays.copyOfRange(deflated, half, deflated.length));
      assertEquals("fragments of €", ws.awaitReply().getString("address"));
      // a compressed message must decompress to UTF-8 too
      ws.send(true, RSV1, TEXT, ws.compress(concat(bytes("{\"type\":\"ping\",\"x\":\""), new byte[]{(byte) 0xff}, bytes("\"}"))));
      assertEquals(1007, ws.awaitClose().code());
      ws.assertEnd();
    }
  }

  @Test
  void withPermessageDeflateOtherRsvUsesStillFailWith1002() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(ticket(), true)) {
      ws.send(true, RSV2, TEXT, ping());
      assertEquals(1002, ws.awaitClose().code(), "RSV2");
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), true)) {
      ws.send(true, RSV1, PING, bytes("x"));
      assertEquals(1002, ws.awaitClose().code(), "RSV1 on a control frame");
      ws.assertEnd();
    }
    try (RawWebSocket ws = RawWebSocket.open(ticket(), true)) {
      byte[] deflated = ws.compress(sync("bad continuation"));
      int half = deflated.length / 2;
      ws.send(false, RSV1, TEXT, Arrays.copyOfRange(deflated, 0, half));
      ws.send(true, RSV1, CONTINUATION, Arrays.copyOfRange(deflated, half, deflated.length));
      assertEquals(1002, ws.awaitClose().code(), "RSV1 on a continuation frame");
      ws.assertEnd();
    }
  }

  // ---- helpers

  private static String ticket() {
    RestClient.Response r = rest.post("/api/realtime/ticket", user.token(), null);
    assertEquals(200, r.status(), r.toString());
    return r.json().getString("ticket");
  }

  private static byte[] ping() {
    return bytes("{\"type\":\"ping\"}");
  }

  /** A chat.sync request whose reply comes back to {@code replyAddress}. */
  private static byte[] sync(String replyAddress) {
    return bytes(new JsonObject().put("type", "send").put("address", "chat.sync")
      .put("body", new JsonObject().put("positions", new JsonObject())).put("replyAddress", replyAddress).encode());
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    throw new IllegalArgumentException("not found");
  }

  record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
    /** A close frame's code, -1 when it has none. */
    int code() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
    }

    @Override
    public String toString() {
      return "opcode " + opcode + (fin ? " fin" : "") + " rsv " + rsv + ": "
        + new String(payload, StandardCharsets.UTF_8);
    }
  }

  /** A WebSocket client over a plain socket: every bit of every frame is the caller's. */
  static final class RawWebSocket implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final String extensions;
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    private final Inflater inflater = new Inflater(true);

    private RawWebSocket(Socket socket, InputStream in, String extensions) throws IOException {
      this.socket = socket;
      this.in = in;
      this.out = socket.getOutputStream();
      this.extensions = extensions;
    }

    static RawWebSocket open(String ticket, boolean offerDeflate) throws IOException {
      Socket socket = new Socket("127.0.0.1", thrume.port);
      socket.setSoTimeout(10_000);
      socket.setTcpNoDelay(true);
      byte[] key = new byte[16];
      RANDOM.nextBytes(key);
      String request = "GET /eventbus/websocket?ticket=" + ticket + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + thrume.port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + (offerDeflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "")
        + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("connection closed during the handshake: " + head);
        }
        head.write(b);
        byte[] h = head.toByteArray();
        int n = h.length;
        if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
          break;
        }
      }
      String response = head.toString(StandardCharsets.US_ASCII);
      assertTrue(response.startsWith("HTTP/1.1 101"), response);
      String extensions = response.lines()
        .filter(l -> l.toLowerCase().startsWith("sec-websocket-extensions:"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
      return new RawWebSocket(socket, in, extensions);
    }

    /** One masked frame, exactly as given (payload length encoded minimally). */
    void send(boolean fin, int rsv, int opcode, byte[] payload) throws IOException {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.write((fin ? 0x80 : 0) | rsv | opcode);
      writeLength(frame, payload.length, 0x80);
      byte[] mask = new byte[4];
      RANDOM.nextBytes(mask);
      frame.writeBytes(mask);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ mask[i % 4]);
      }
      out.write(frame.toByteArray());
      out.flush();
    }

    void sendUnmasked(int opcode, byte[] payload) throws IOException {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.write(0x80 | opcode);
      writeLength(frame, payload.length, 0);
      frame.writeBytes(payload);
      out.write(frame.toByteArray());
      out.flush();
    }

    private static void writeLength(ByteArrayOutputStream frame, int length, int maskBit) {
      if (length < 126) {
        frame.write(maskBit | length);
      } else if (length < 65536) {
        frame.write(maskBit | 126);
        frame.write(length >> 8);
        frame.write(length);
      } else {
        frame.write(maskBit | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          frame.write((int) ((long) length >> shift));
        }
      }
    }

    /** permessage-deflate: DEFLATE with a sync flush, its 00 00 FF FF tail removed (RFC 7692 §7.2.1). */
    byte[] compress(byte[] message) {
      deflater.setInput(message);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      int n;
      while ((n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH)) > 0) {
        out.write(buffer, 0, n);
      }
      byte[] all = out.toByteArray();
      return Arrays.copyOf(all, all.length - 4);
    }

    private byte[] decompress(byte[] payload) throws IOException {
      inflater.setInput(concat(payload, new byte[]{0, 0, (byte) 0xff, (byte) 0xff}));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      try {
        int n;
        while ((n = inflater.inflate(buffer)) > 0) {
          out.write(buffer, 0, n);
        }
      } catch (DataFormatException e) {
        throw new IOException("the server's compressed frame does not inflate", e);
      }
      return out.toByteArray();
    }

    /** The next whole frame from the server (servers never mask); compressed messages inflated. */
    Frame next() throws IOException {
      int b0 = readByte();
      int b1 = readByte();
      assertEquals(0, b1 & 0x80, "a server frame must not be masked");
      long length = b1 & 0x7f;
      if (length == 126) {
        length = (readByte() << 8) | readByte();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | readByte();
        }
      }
      byte[] payload = in.readNBytes((int) length);
      if (payload.length < length) {
        throw new EOFException("connection closed inside a frame");
      }
      int rsv = b0 & 0x70;
      int opcode = b0 & 0x0f;
      if ((rsv & RSV1) != 0) {
        assertNotNull(extensions, "RSV1 from the server without a negotiated extension");
        assertTrue((b0 & 0x80) != 0, "the test client reads unfragmented compressed messages only");
        payload = decompress(payload);
      }
      return new Frame((b0 & 0x80) != 0, rsv, opcode, payload);
    }

    /** Frames until a close frame (the bridge may send an err frame first); answers the close. */
    Frame awaitClose() throws IOException {
      List<Frame> before = new ArrayList<>();
      while (true) {
        Frame f;
        try {
          f = next();
        } catch (SocketTimeoutException e) {
          throw new AssertionError("no close frame within 10 s; frames before: " + before, e);
        } catch (EOFException e) {
          throw new AssertionError("the connection ended without a close frame; frames before: " + before, e);
        }
        if (f.opcode == CLOSE) {
          return f;
        }
        before.add(f);
      }
    }

    /** The reply (a rec frame) to a request, skipping anything else. */
    JsonObject awaitReply() throws IOException {
      while (true) {
        Frame f = next();
        assertFalse(f.opcode == CLOSE, "closed with " + f.code() + " instead of a reply");
        if (f.opcode == TEXT || f.opcode == BINARY) {
          JsonObject json = new JsonObject(new String(f.payload, StandardCharsets.UTF_8));
          assertEquals("rec", json.getString("type"), json.encode());
          return json;
        }
      }
    }

    /** After its close frame the server ends the TCP connection. */
    void assertEnd() throws IOException {
      try {
        assertEquals(-1, in.read(), "nothing after the close frame, then the end of the connection");
      } catch (java.net.SocketException reset) {
        // a reset is an end too
      }
    }

    private int readByte() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      return b;
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      deflater.end();
      inflater.end();
    }
  }
}

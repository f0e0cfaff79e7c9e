package io.thrume.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client on a plain socket that completes the handshake, can send frames, and then
 * reads nothing: the server's writes back up exactly as they would for a stalled phone.
 */
public final class StalledWebSocket implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final SecureRandom random = new SecureRandom();

  public StalledWebSocket(int port, String uri) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setReceiveBufferSize(4096);
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    byte[] keyBytes = new byte[16];
    random.nextBytes(keyBytes);
    String request = "GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
      + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(keyBytes)
      + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed during the handshake: " + head);
      }
      head.append((char) b);
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new IOException("not upgraded: " + head);
    }
  }

  /** Sends a masked text frame (clients must mask), up to 64 KiB. */
  public void sendText(String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    if (payload.length > 0xFFFF) {
      throw new IllegalArgumentException("frames up to 64 KiB only");
    }
    int header = payload.length < 126 ? 2 : 4;
    byte[] mask = new byte[4];
    random.nextBytes(mask);
    byte[] frame = new byte[header + 4 + payload.length];
    frame[0] = (byte) 0x81;
    if (payload.length < 126) {
      frame[1] = (byte) (0x80 | payload.length);
    } else {
      frame[1] = (byte) (0x80 | 126);
      frame[2] = (byte) (payload.length >>> 8);
      frame[3] = (byte) payload.length;
    }
    System.arraycopy(mask, 0, frame, header, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[header + 4 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    out.write(frame);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

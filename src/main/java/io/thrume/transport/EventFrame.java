package io.thrume.transport;

import io.vertx.core.buffer.Buffer;

/**
 * One fanned-out event, encoded once for every socket that receives it: the bridge frame (JSON)
 * and, made on first use and then shared, the same frame as a complete unmasked binary WebSocket
 * message, header included, so raw WebSocket sockets copy bytes instead of each encoding again.
 */
public final class EventFrame {
  private final Buffer payload;
  /** A message's commit time (fanout.Events.nowMicros()), 0 for other events and for messages read back from the store. */
  private final long committedMicros;
  private volatile byte[] wire;

  public EventFrame(Buffer payload) {
    this(payload, 0);
  }

  public EventFrame(Buffer payload, long committedMicros) {
    this.payload = payload;
    this.committedMicros = committedMicros;
  }

  public long committedMicros() {
    return committedMicros;
  }

  public Buffer payload() {
    return payload;
  }

  /** FIN + binary opcode, the payload length (7, 7+16 or 7+64 bits; server frames are not masked), the payload. */
  public byte[] wire() {
    byte[] w = wire;
    if (w == null) {
      byte[] body = payload.getBytes();
      int n = body.length;
      int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
      w = new byte[header + n];
      w[0] = (byte) 0x82;
      if (n < 126) {
        w[1] = (byte) n;
      } else if (n <= 0xFFFF) {
        w[1] = 126;
        w[2] = (byte) (n >>> 8);
        w[3] = (byte) n;
      } else {
        w[1] = 127;
        for (int i = 0; i < 8; i++) {
          w[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
        }
      }
      System.arraycopy(body, 0, w, header, n);
      wire = w; // racing threads build equal arrays: either one will do
    }
    return w;
  }
}

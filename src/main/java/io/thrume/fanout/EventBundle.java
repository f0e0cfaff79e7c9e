package io.thrume.fanout;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * The events a node publishes in one event-loop turn, in one event-bus message ({@link Outbox}):
 * one TCP write to each other node and one wake-up there, instead of one per event. Each entry,
 * in order:
 * <pre>
 *   byte  route     {@link #TO} (body is a client frame) or {@link #FORWARD} (body is JSON for a service)
 *   byte  kind      {@link EventKind#ordinal()}
 *   long  seq       a message's seq, or {@link ClientEvent#NO_SEQ}
 *   long  committed a message's commit time in µs ({@link Events#nowMicros()}), or 0
 *   short length, then the address (ASCII: client or service address)
 *   int   length, then the body
 * </pre>
 * Nodes of one cluster must run the same version: a node that expects one event per message
 * drops a bundle.
 */
final class EventBundle {
  static final byte TO = 1;
  static final byte FORWARD = 2;
  private static final EventKind[] KINDS = EventKind.values();

  /** One event or service message in a bundle. */
  record Entry(byte route, String address, EventKind kind, long seq, long committed, Buffer body) {
  }

  /** What a node does with each entry of a bundle it receives, in order. */
  interface Visitor {
    void entry(byte route, String address, EventKind kind, long seq, long committed, Buffer body);
  }

  private EventBundle() {
  }

  static Buffer encode(List<Entry> entries) {
    int size = 0;
    for (Entry e : entries) {
      size += 24 + e.address().length() + e.body().length();
    }
    Buffer out = Buffer.buffer(size);
    for (Entry e : entries) {
      out.appendByte(e.route()).appendByte((byte) e.kind().ordinal()).appendLong(e.seq()).appendLong(e.committed())
        .appendShort((short) e.address().length()).appendString(e.address(), "US-ASCII")
        .appendInt(e.body().length()).appendBuffer(e.body());
    }
    return out;
  }

  /**
   * Hands each entry to the visitor; each body is a copy of its own, since a frame may be held (by
   * a sequencer, a slow socket's queue) long after the bundle is gone.
   */
  static void decode(Buffer bundle, Visitor visitor) {
    int at = 0;
    int end = bundle.length();
    while (at < end) {
      byte route = bundle.getByte(at);
      EventKind kind = KINDS[bundle.getByte(at + 1)];
      long seq = bundle.getLong(at + 2);
      long committed = bundle.getLong(at + 10);
      int addressLength = bundle.getShort(at + 18) & 0xFFFF;
      String address = bundle.getString(at + 20, at + 20 + addressLength, "US-ASCII");
      at += 20 + addressLength;
      int bodyLength = bundle.getInt(at);
      Buffer body = bundle.getBuffer(at + 4, at + 4 + bodyLength);
      at += 4 + bodyLength;
      visitor.entry(route, address, kind, seq, committed, body);
    }
  }
}

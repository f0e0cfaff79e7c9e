package io.thrume.fanout;

import io.thrume.bus.ImmutableCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;

import java.util.ArrayList;
import java.util.List;

/**
 * The events a node publishes in one event-loop turn, in one event-bus message ({@link Outbox}):
 * one TCP write to each other node and one wake-up there, instead of one per event.
 *
 * <p>Within a node the bundle is handed over as it is ({@link ImmutableCodec}): its entries and
 * their bodies are never written to once made, so the node's own fan-out reads the frames the
 * services encoded, with no copy. Only a bundle for another node is written out, once per node,
 * in this form (each entry, in order):
 * <pre>
 *   byte  route     {@link #TO} (body is a client frame), {@link #FORWARD} or {@link #FORWARD_TO_OTHERS}
 *                   (body is JSON for a service, on every node or on the others only)
 *   byte  kind      {@link EventKind#ordinal()}
 *   long  seq       a message's seq, or {@link ClientEvent#NO_SEQ}
 *   long  committed a message's commit time in µs ({@link Events#nowMicros()}), or 0
 *   short length, then the address (ASCII: client or service address)
 *   int   length, then the body
 * </pre>
 * after an int, the length of all entries. Nodes of one cluster must run the same version: a node
 * without this codec cannot read a bundle.
 */
final class EventBundle {
  static final byte TO = 1;
  static final byte FORWARD = 2;
  /** A service message for the other nodes only: what a node reports about itself. */
  static final byte FORWARD_TO_OTHERS = 3;
  private static final EventKind[] KINDS = EventKind.values();

  /** One event or service message in a bundle. */
  record Entry(byte route, String address, EventKind kind, long seq, long committed, Buffer body) {
  }

  private final List<Entry> entries;
  private final boolean fromOtherNode;

  EventBundle(List<Entry> entries, boolean fromOtherNode) {
    this.entries = entries;
    this.fromOtherNode = fromOtherNode;
  }

  List<Entry> entries() {
    return entries;
  }

  /** Read from the wire: another node published it (this node's own bundles are handed over as they are). */
  boolean fromOtherNode() {
    return fromOtherNode;
  }

  /**
   * Makes {@link Codec} the event bus' codec for bundles. Every node needs it before a bundle
   * arrives from another node, and before it publishes one; idempotent.
   */
  static void registerCodec(EventBus bus) {
    ImmutableCodec.registerDefault(bus, EventBundle.class, new Codec());
  }

  /** How a bundle crosses the cluster, and why it does not need to within a node. */
  static final class Codec extends ImmutableCodec<EventBundle> {
    static final String NAME = "thrume.bundle";

    Codec() {
      super(NAME);
    }

    @Override
    public void encodeToWire(Buffer buffer, EventBundle bundle) {
      int start = buffer.length();
      buffer.appendInt(0);
      for (Entry e : bundle.entries) {
        buffer.appendByte(e.route()).appendByte((byte) e.kind().ordinal()).appendLong(e.seq()).appendLong(e.committed())
          .appendShort((short) e.address().length()).appendString(e.address(), "US-ASCII")
          .appendInt(e.body().length()).appendBuffer(e.body());
      }
      buffer.setInt(start, buffer.length() - start - 4);
    }

    /**
     * Each body is a copy of its own, since a frame may be held (by a sequencer, a slow socket's
     * queue) long after the message read from the wire is gone.
     */
    @Override
    public EventBundle decodeFromWire(int pos, Buffer buffer) {
      int at = pos + 4;
      int end = at + buffer.getInt(pos);
      List<Entry> entries = new ArrayList<>();
      while (at < end) {
        byte route = buffer.getByte(at);
        EventKind kind = KINDS[buffer.getByte(at + 1)];
        long seq = buffer.getLong(at + 2);
        long committed = buffer.getLong(at + 10);
        int addressLength = buffer.getShort(at + 18) & 0xFFFF;
        String address = buffer.getString(at + 20, at + 20 + addressLength, "US-ASCII");
        at += 20 + addressLength;
        int bodyLength = buffer.getInt(at);
        Buffer body = buffer.getBuffer(at + 4, at + 4 + bodyLength);
        at += 4 + bodyLength;
        entries.add(new Entry(route, address, kind, seq, committed, body));
      }
      return new EventBundle(entries, true);
    }
  }
}

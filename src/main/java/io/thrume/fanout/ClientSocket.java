package io.thrume.fanout;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One authenticated client connection, kept small: who it is, what it registered, when it was
 * last heard, and its slow-consumer state. Touched only on its own context (event loop).
 */
public final class ClientSocket {
  public final String id;
  public final String userId;
  public final Context context;
  private final Transport transport;
  private final int maxOverflowFrames;
  /** Registered addresses (conversation.*, user.*): a handful per socket. */
  final Set<String> addresses = new HashSet<>(4);
  /** Users whose presence changes it receives (presence.watch); null when none. */
  Set<String> watching;
  /** Conversations it views (chat.view); null when none. */
  private Set<String> viewing;
  private long lastHeardNanos = System.nanoTime();
  private boolean behind;
  private int overflow;
  /** Presence frames held back while the socket is behind: the newest per user only. */
  private Map<String, EventFrame> heldPresence;
  private boolean closed;
  /** Frames that came while an earlier frame was still being acted on (see {@link #waitBeforeReading()}); null otherwise. */
  private ArrayDeque<Buffer> waiting;
  /** At most this many frames wait; a client that sends more without waiting is paused by TCP anyway. */
  private static final int MAX_WAITING = 256;

  public ClientSocket(String id, String userId, Context context, Transport transport, int maxOverflowFrames) {
    this.id = id;
    this.userId = userId;
    this.context = context;
    this.transport = transport;
    this.maxOverflowFrames = maxOverflowFrames;
  }

  /**
   * Frames from now on wait until {@link #readAgain()}: for a frame whose effect the next ones
   * rely on (a register being checked). Reading from the connection pauses meanwhile.
   */
  public void waitBeforeReading() {
    if (waiting == null) {
      waiting = new ArrayDeque<>(4);
      transport.pause();
    }
  }

  /** Keeps the frame for later when frames are waiting; answers whether it did. */
  public boolean holdIfWaiting(Buffer frame) {
    if (waiting == null) {
      return false;
    }
    if (waiting.size() >= MAX_WAITING) {
      close(1008, "too many frames while a register is checked");
    } else {
      waiting.add(frame);
    }
    return true;
  }

  /** Ends the wait: answers the frames that waited, in order (hand each to {@link #holdIfWaiting} first). */
  public List<Buffer> readAgain() {
    if (waiting == null) {
      return List.of();
    }
    List<Buffer> held = List.copyOf(waiting);
    waiting = null;
    if (!closed) {
      transport.resume();
    }
    return held;
  }

  public void heard() {
    lastHeardNanos = System.nanoTime();
  }

  long silentNanos(long now) {
    return now - lastHeardNanos;
  }

  public boolean isClosed() {
    return closed;
  }

  public boolean isRegistered(String address) {
    return addresses.contains(address);
  }

  /** Starts or stops viewing a conversation; answers whether that changed anything. */
  public boolean view(String conversationId, boolean on) {
    if (on) {
      if (viewing == null) {
        viewing = new HashSet<>(2);
      }
      return viewing.add(conversationId);
    }
    boolean changed = viewing != null && viewing.remove(conversationId);
    if (viewing != null && viewing.isEmpty()) {
      viewing = null;
    }
    return changed;
  }

  /** The conversations it views. */
  public Set<String> viewing() {
    return viewing == null ? Set.of() : Set.copyOf(viewing);
  }

  /** Writes a reply or an error frame: always sent, whatever the queue. */
  public void send(Buffer frame) {
    if (!closed) {
      transport.write(frame);
    }
  }

  /** What became of an offered event. */
  enum Offer {
    /** Written, or skipped by the slow-consumer policy. */
    DONE,
    /** Written, the first write waiting for {@link #flush()}. */
    NEEDS_FLUSH,
    /** The socket could not keep up and was closed. */
    CLOSED_AS_SLOW
  }

  /** Delivers a fanned-out event, applying the slow-consumer policy. */
  Offer offer(EventFrame frame, EventKind kind, String coalesceKey) {
    if (closed) {
      return Offer.DONE;
    }
    if (!transport.writeQueueFull()) {
      return transport.writeEvent(frame) ? Offer.NEEDS_FLUSH : Offer.DONE;
    }
    if (!behind) {
      // behind from now until the queue drains: then the allowance resets and held presence goes out
      behind = true;
      transport.drainHandler(v -> drained());
    }
    switch (kind) {
      case TYPING -> {
        // ephemeral: a slow socket loses nothing that matters
      }
      case PRESENCE -> {
        if (heldPresence == null) {
          heldPresence = new LinkedHashMap<>();
        }
        heldPresence.put(coalesceKey, frame);
      }
      case ESSENTIAL -> {
        if (++overflow > maxOverflowFrames) {
          // the client reconnects and catches up by seq: closing loses nothing. It is not
          // reading, so a close frame would wait behind the backlog: drop the connection.
          closed = true;
          transport.abort();
          return Offer.CLOSED_AS_SLOW;
        }
        return transport.writeEvent(frame) ? Offer.NEEDS_FLUSH : Offer.DONE;
      }
    }
    return Offer.DONE;
  }

  /** Sends what {@link #offer} left unflushed. */
  void flush() {
    if (!closed) {
      transport.flush();
    }
  }

  private void drained() {
    behind = false;
    overflow = 0;
    Map<String, EventFrame> held = heldPresence;
    heldPresence = null;
    transport.drainHandler(null);
    if (held != null) {
      held.values().forEach(frame -> send(frame.payload()));
    }
  }

  public void close(int code, String reason) {
    if (!closed) {
      closed = true;
      transport.close(code, reason);
    }
  }

  /** Marks it closed when the peer went away (no close frame to send). */
  void markClosed() {
    closed = true;
  }
}

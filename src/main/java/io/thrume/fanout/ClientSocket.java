package io.thrume.fanout;

import io.thrume.transport.Transport;
import io.thrume.transport.EventFrame;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.function.Consumer;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One authenticated client connection, kept small: who it is, what it registered, when it was
 * last heard, and its slow-consumer state. Touched only on its own context (event loop).
 */
public final class ClientSocket {
  /** At most this many frames wait while reading is held; a client that sends more is dropped. */
  private static final int MAX_WAITING = 256;
  /** Requests answered at most at once; past this, reading waits for answers (backpressure on work). */
  static final int MAX_IN_FLIGHT = 16;
  public final String id;
  public final String userId;
  public final Context context;
  private final Transport transport;
  private final int maxOverflowFrames;
  private final long maxOverflowBytes;
  /** Told when a reply finds the socket past its allowance and drops it (events count theirs in {@link LoopHub}). */
  private final Runnable droppedAsSlow;
  /** Registered addresses (conversation.*, user.*): a handful per socket. */
  final Set<String> addresses = new HashSet<>(4);
  /** Users whose presence changes it receives (presence.watch); null when none. */
  Set<String> watching;
  /** Conversations it views (chat.view); null when none. */
  private Set<String> viewing;
  /** When it was let in (System.nanoTime), for the connection-duration histogram. */
  public final long openedNanos = System.nanoTime();
  private long lastHeardNanos = openedNanos;
  /** Its outbound queue is full: from then until it drains, typing is dropped, presence held, the rest counted. */
  private boolean behind;
  private int overflowFrames;
  private long overflowBytes;
  /** Presence frames held back while the socket is behind: the newest per user only. */
  private Map<String, EventFrame> heldPresence;
  private boolean closed;
  /** Acts on an inbound frame (the bridge's). */
  private Consumer<Buffer> reader = frame -> {
  };
  /** Reasons reading waits: a register being checked, too many requests in flight, the outbound queue full. */
  private int holds;
  /** Frames that came while reading was held, in order; null when none. */
  private ArrayDeque<Buffer> waiting;
  private int inFlight;
  /** Address → until when (System.nanoTime) it was RATE_LIMITED; null until the first refusal. */
  private Map<String, Long> limited;
  /** Sends refused because the client did not wait the retry-after it was told. */
  private int ignoredLimits;

  public ClientSocket(String id, String userId, Context context, Transport transport, int maxOverflowFrames,
                      long maxOverflowBytes, Runnable droppedAsSlow) {
    this.id = id;
    this.userId = userId;
    this.context = context;
    this.transport = transport;
    this.maxOverflowFrames = maxOverflowFrames;
    this.maxOverflowBytes = maxOverflowBytes;
    this.droppedAsSlow = droppedAsSlow;
  }

  // ---- inbound: frames are acted on in the order they came, and not faster than the socket is answered

  /** Who acts on the frames read from this socket. */
  public void reader(Consumer<Buffer> reader) {
    this.reader = reader;
  }

  /** A frame from the client: acted on now, or kept until reading is no longer held. */
  public void read(Buffer frame) {
    heard();
    if (holds == 0 && (waiting == null || waiting.isEmpty())) {
      reader.accept(frame);
      return;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>(4);
    }
    if (waiting.size() >= MAX_WAITING) {
      close(1008, "too many frames sent without waiting for the answers");
    } else {
      waiting.add(frame);
    }
  }

  /** Holds reading until {@link #release()}: frames wait, and the connection is not read meanwhile. */
  public void hold() {
    if (holds++ == 0 && !closed) {
      transport.pause();
    }
  }

  /** Ends one hold; when none is left, the frames that waited are acted on, in order. */
  public void release() {
    if (--holds > 0) {
      return;
    }
    if (!closed) {
      transport.resume();
    }
    while (holds == 0 && waiting != null && !waiting.isEmpty() && !closed) {
      reader.accept(waiting.poll());
    }
  }

  /** A request goes to a service; at {@link #MAX_IN_FLIGHT}, reading waits for an answer. */
  public void requestStarted() {
    if (++inFlight == MAX_IN_FLIGHT) {
      hold();
    }
  }

  /** A request was answered (or failed). */
  public void requestDone() {
    if (inFlight-- == MAX_IN_FLIGHT) {
      release();
    }
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

  /**
   * The service behind the address refused as RATE_LIMITED for this long: until then, sends to it
   * are refused by the bridge itself, so a client that ignores retry-after costs a map look-up.
   */
  public void limitUntil(String address, long millis) {
    if (limited == null) {
      limited = new HashMap<>(4);
    }
    limited.put(address, System.nanoTime() + millis * 1_000_000);
  }

  /** How long sends to the address are still refused (ms); 0: not. */
  public long limitedFor(String address) {
    Long until = limited == null ? null : limited.get(address);
    if (until == null) {
      return 0;
    }
    long left = until - System.nanoTime();
    if (left <= 0) {
      limited.remove(address);
      return 0;
    }
    ignoredLimits++;
    return left / 1_000_000;
  }

  /** How many sends came while {@link #limitedFor} said to wait: a client that keeps on is flooding. */
  public int ignoredLimits() {
    return ignoredLimits;
  }

  // ---- outbound: bounded, replies included

  /**
   * Writes a reply or an error frame. A reply is never dropped, but it counts: while the queue is
   * full, reading waits (so no more requests come) and past the overflow allowance the socket is
   * dropped (its client reconnects and catches up).
   */
  public void send(Buffer frame) {
    if (closed) {
      return;
    }
    if (transport.writeQueueFull()) {
      fallBehind();
      overflowBytes += frame.length();
      if (overflowBytes > maxOverflowBytes) {
        dropAsSlow();
        droppedAsSlow.run();
        return;
      }
    }
    transport.write(frame);
    if (transport.writeQueueFull()) {
      fallBehind();
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
    fallBehind();
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
        overflowBytes += frame.payload().length();
        if (++overflowFrames > maxOverflowFrames || overflowBytes > maxOverflowBytes) {
          dropAsSlow();
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

  /** Behind from now until the queue drains: reading waits, and events are sorted by what they are worth. */
  private void fallBehind() {
    if (!behind) {
      behind = true;
      hold();
      transport.drainHandler(v -> drained());
    }
  }

  /** The queue drained: the allowance resets, held presence goes out, reading goes on. */
  private void drained() {
    behind = false;
    overflowFrames = 0;
    overflowBytes = 0;
    Map<String, EventFrame> held = heldPresence;
    heldPresence = null;
    transport.drainHandler(null);
    if (held != null) {
      held.values().forEach(frame -> send(frame.payload()));
    }
    release();
  }

  /**
   * The client reconnects and catches up by seq: dropping it loses nothing. It is not reading, so
   * a close frame would wait behind the backlog: the connection is dropped without one.
   */
  private void dropAsSlow() {
    closed = true;
    transport.abort();
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

package io.thrume.fanout;

import io.thrume.transport.EventFrame;
import io.thrume.transport.Frames;
import io.thrume.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The sockets of one event loop, by address. Used only on that loop, so it needs no locks. */
final class LoopHub {
  private static final ClientSocket[] NONE = new ClientSocket[0];
  final Context context;
  private final Map<String, List<ClientSocket>> byAddress = new HashMap<>();
  private final Set<ClientSocket> sockets = new HashSet<>();
  /** Sockets written to and not flushed yet; flushed together once the events queued now are written. */
  private final List<ClientSocket> unflushed = new ArrayList<>();
  private boolean flushScheduled;

  LoopHub(Context context) {
    this.context = context;
  }

  void add(ClientSocket socket) {
    sockets.add(socket);
  }

  void remove(ClientSocket socket) {
    sockets.remove(socket);
  }

  void subscribe(String address, ClientSocket socket) {
    byAddress.computeIfAbsent(address, a -> new ArrayList<>(2)).add(socket);
  }

  void unsubscribe(String address, ClientSocket socket) {
    List<ClientSocket> list = byAddress.get(address);
    if (list != null && list.remove(socket) && list.isEmpty()) {
      byAddress.remove(address);
    }
  }

  /** The sockets of this loop on the address (a copy). */
  List<ClientSocket> socketsOn(String address) {
    List<ClientSocket> list = byAddress.get(address);
    return list == null ? List.of() : List.copyOf(list);
  }

  /** Writes one already-encoded frame to every socket of this loop on the address. */
  void deliver(String address, EventFrame frame, EventKind kind, String coalesceKey, Counts counts) {
    List<ClientSocket> list = byAddress.get(address);
    if (list == null) {
      return;
    }
    // a copy: a socket dropped as too slow may leave the list while we go through it
    ClientSocket[] targets = list.toArray(NONE);
    int slow = 0;
    for (ClientSocket socket : targets) {
      switch (socket.offer(frame, kind, coalesceKey)) {
        case NEEDS_FLUSH -> unflushed.add(socket);
        case CLOSED_AS_SLOW -> slow++;
        case DONE -> {
        }
      }
    }
    counts.delivered(targets.length, slow);
    if (frame.committedMicros() != 0) {
      // once per event and loop, not per socket: the sockets of a loop are written in one go, flushed right after
      counts.written(Events.nowMicros() - frame.committedMicros());
    }
    scheduleFlush();
  }

  /**
   * Writes a presence change to the sockets of this loop that watch the user, each on its own
   * user address (so encoded once per watching user, not once per event); only sockets that
   * registered their user address, which is where such events are received.
   */
  void deliverToWatchers(String key, String watchedUserId, Buffer event, Counts counts) {
    List<ClientSocket> list = byAddress.get(key);
    if (list == null) {
      return;
    }
    ClientSocket[] targets = list.toArray(NONE);
    Map<String, EventFrame> frames = new HashMap<>(4);
    int delivered = 0;
    int slow = 0;
    for (ClientSocket socket : targets) {
      String own = Addresses.user(socket.userId);
      if (!socket.isRegistered(own)) {
        continue;
      }
      EventFrame frame = frames.computeIfAbsent(own, address -> new EventFrame(Frames.recOf(address, event)));
      delivered++;
      switch (socket.offer(frame, EventKind.PRESENCE, watchedUserId)) {
        case NEEDS_FLUSH -> unflushed.add(socket);
        case CLOSED_AS_SLOW -> slow++;
        case DONE -> {
        }
      }
    }
    counts.delivered(delivered, slow);
    scheduleFlush();
  }

  private void scheduleFlush() {
    if (!unflushed.isEmpty() && !flushScheduled) {
      // behind the tasks already queued: events arriving meanwhile share the sockets' flush
      flushScheduled = true;
      context.runOnContext(v -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    for (ClientSocket socket : unflushed) {
      socket.flush();
    }
    unflushed.clear();
  }

  /** Where a loop reports what it delivered. */
  interface Counts {
    void delivered(int sockets, int closedAsSlow);

    /** A message event was written to this loop's sockets, this many microseconds after its commit. */
    default void written(long micros) {
    }
  }

  /** The sockets silent for longer than the limit (the caller closes them). */
  List<ClientSocket> silentFor(long limitNanos) {
    long now = System.nanoTime();
    List<ClientSocket> silent = new ArrayList<>();
    for (ClientSocket socket : sockets) {
      if (socket.silentNanos(now) > limitNanos) {
        silent.add(socket);
      }
    }
    return silent;
  }

  int size() {
    return sockets.size();
  }
}

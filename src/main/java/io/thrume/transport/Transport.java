package io.thrume.transport;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/** What the bridge needs of a client connection, whether a raw WebSocket or a SockJS session. */
public interface Transport {
  /** Writes a frame and flushes it. */
  void write(Buffer frame);

  /**
   * Writes a fanned-out event. A transport may leave it unflushed, answering true when this
   * write is the first one waiting for {@link #flush()}: the event loop flushes each such socket
   * once after the events queued behind this one, so that several become one write syscall.
   */
  default boolean writeEvent(EventFrame frame) {
    write(frame.payload());
    return false;
  }

  /** Flushes what {@link #writeEvent} left unflushed. */
  default void flush() {
  }

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  void frameHandler(Handler<Buffer> handler);

  void closeHandler(Handler<Void> handler);

  void pause();

  void resume();

  void close(int code, String reason);

  /** Drops the connection without a closing handshake: for a peer that is not reading anyway. */
  void abort();
}

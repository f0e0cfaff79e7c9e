package io.thrume.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/** What the bridge needs of a client connection, whether a raw WebSocket or a SockJS session. */
public interface Transport {
  void write(Buffer frame);

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

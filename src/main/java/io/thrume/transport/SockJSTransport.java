package io.thrume.transport;


import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** /eventbus: a SockJS session (WebSocket, XHR streaming or polling); frames travel as text. */
public final class SockJSTransport implements Transport {
  private final SockJSSocket socket;
  private final Runnable onClose;

  /** {@code onClose} runs first when the session closes (its ticket binding goes). */
  public SockJSTransport(SockJSSocket socket, int outboundQueueBytes, Runnable onClose) {
    this.socket = socket;
    this.onClose = onClose;
    socket.setWriteQueueMaxSize(outboundQueueBytes);
  }

  @Override
  public void write(Buffer frame) {
    socket.write(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
  }

  @Override
  public void frameHandler(Handler<Buffer> handler) {
    socket.handler(handler);
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    socket.closeHandler(v -> {
      onClose.run();
      handler.handle(v);
    });
  }

  @Override
  public void pause() {
    socket.pause();
  }

  @Override
  public void resume() {
    socket.resume();
  }

  @Override
  public void close(int code, String reason) {
    socket.close(code, reason);
  }

  @Override
  public void abort() {
    socket.close();
  }
}

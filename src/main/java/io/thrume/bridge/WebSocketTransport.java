package io.thrume.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/** /eventbus/websocket: one bridge frame per WebSocket message; Thrume answers in binary messages. */
final class WebSocketTransport implements Transport {
  private final ServerWebSocket ws;

  WebSocketTransport(ServerWebSocket ws, int outboundQueueBytes) {
    this.ws = ws;
    ws.setWriteQueueMaxSize(outboundQueueBytes);
  }

  @Override
  public void write(Buffer frame) {
    ws.writeBinaryMessage(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return ws.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    ws.drainHandler(handler);
  }

  @Override
  public void frameHandler(Handler<Buffer> handler) {
    ws.binaryMessageHandler(handler);
    ws.textMessageHandler(text -> handler.handle(Buffer.buffer(text)));
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    ws.closeHandler(handler);
  }

  @Override
  public void pause() {
    ws.pause();
  }

  @Override
  public void resume() {
    ws.resume();
  }

  @Override
  public void close(int code, String reason) {
    ws.close((short) code, reason);
  }
}

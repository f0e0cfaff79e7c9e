package io.thrume.transport;


import io.netty.channel.Channel;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.http.ServerWebSocket;

/** /eventbus/websocket: one bridge frame per WebSocket message; Thrume answers in binary messages. */
public final class WebSocketTransport implements Transport {
  private final ServerWebSocket ws;
  private final HttpConnection connection;

  public WebSocketTransport(ServerWebSocket ws, HttpConnection connection, int outboundQueueBytes) {
    this.ws = ws;
    this.connection = connection;
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

  /**
   * Closes the TCP connection at once. A close frame would wait behind the unread backlog (Vert.x
   * closes a connection only after its queued writes), and so would Vert.x' closing timeout.
   * Only Vert.x' implementation class reaches the channel (5.0.7 has no public way), and only
   * Netty's unsafe close skips the queue; should either change, fall back to a normal close.
   */
  @Override
  public void abort() {
    if (connection instanceof ConnectionBase base) {
      Channel channel = base.channel();
      channel.unsafe().close(channel.voidPromise());
    } else {
      ws.close();
    }
  }
}

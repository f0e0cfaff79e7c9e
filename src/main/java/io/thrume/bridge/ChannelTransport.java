package io.thrume.bridge;

import io.thrume.fanout.Transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.thrume.fanout.EventFrame;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;

/**
 * A raw /eventbus/websocket socket served straight from its Netty channel once Vert.x has done the
 * handshake. Vert.x 5.0.7 keeps, for every WebSocket, a multi-producer write queue (a 4 KB array),
 * an inbound queue and the upgrade's request and response with their headers: about half of an
 * idle socket's heap (docs/performance.md). Taking the channel over leaves per socket only
 * Netty's channel and codec, this handler and the bridge's {@code ClientSocket}. It also lets a
 * fanned-out event go out as bytes encoded once for all sockets ({@link EventFrame#wire()}),
 * flushed once per socket for all the events written in the same event-loop pass.
 *
 * <p>Vert.x is told the WebSocket closed when the channel is taken (so its connection meters stay
 * balanced and its objects can go); {@code thrume_sockets_open} counts bridge sockets.
 */
final class ChannelTransport extends ChannelInboundHandlerAdapter implements Transport {
  private final Channel channel;
  private final ContextInternal context;
  private Handler<Buffer> frameHandler;
  private Handler<Void> closeHandler;
  private Handler<Void> drainHandler;
  private boolean unflushed;
  private boolean closed;

  private ChannelTransport(Channel channel, ContextInternal context) {
    this.channel = channel;
    this.context = context;
  }

  /**
   * Takes over the channel of a WebSocket Vert.x has just accepted; call on the connection's event
   * loop, in the same task as the upgrade (no frame can have been read in between). Answers null
   * when this Vert.x does not look as expected; the caller then keeps Vert.x' WebSocket.
   */
  static ChannelTransport takeOver(HttpConnection connection, ContextInternal context, int outboundQueueBytes,
                                   int maxMessageBytes) {
    if (!(connection instanceof ConnectionBase base)) {
      return null;
    }
    Channel channel = base.channel();
    ChannelPipeline pipeline = channel.pipeline();
    ChannelHandlerContext vertxContext = pipeline.context("handler");
    if (vertxContext == null || !(vertxContext.handler() instanceof VertxHandler<?> vertxHandler)
      || !channel.eventLoop().inEventLoop()) {
      return null;
    }
    ChannelTransport transport = new ChannelTransport(channel, context);
    // Vert.x' WebSocket is done with: its close bookkeeping (meters) runs now, then it leaves the pipeline
    try {
      vertxHandler.channelInactive(vertxContext);
    } catch (Exception e) {
      return null;
    }
    pipeline.replace("handler", "thrume-bridge", transport);
    // continuation frames joined into one message, up to the limit (beyond it: close 1009)
    pipeline.addBefore("thrume-bridge", "thrume-aggregator", new WebSocketFrameAggregator(maxMessageBytes));
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(outboundQueueBytes / 2, outboundQueueBytes));
    channel.config().setAutoRead(true);
    return transport;
  }

  // ---- Netty side: on the channel's event loop, dispatched on the socket's Vert.x context

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    WebSocketFrame frame = (WebSocketFrame) msg;
    try {
      if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
        Buffer buffer = Buffer.buffer(ByteBufUtil.getBytes(frame.content()));
        Handler<Buffer> handler = frameHandler;
        if (handler != null && !closed) {
          context.dispatch(buffer, handler);
        }
      } else if (frame instanceof PingWebSocketFrame) {
        channel.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
      } else if (frame instanceof CloseWebSocketFrame close) {
        // the peer's closing handshake: answer with its code, then close the connection
        int code = close.statusCode();
        closeWith(code < 0 ? new CloseWebSocketFrame(true, 0) : new CloseWebSocketFrame(code, null));
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Handler<Void> handler = drainHandler;
    if (channel.isWritable() && handler != null) {
      context.dispatch(handler);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    Handler<Void> handler = closeHandler;
    if (handler != null) {
      closeHandler = null;
      context.dispatch(handler);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      closeWith(new CloseWebSocketFrame(corrupted.closeStatus()));
    } else if (cause instanceof TooLongFrameException) {
      closeWith(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG));
    } else if (cause instanceof CorruptedFrameException) {
      closeWith(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR));
    } else {
      channel.close();
    }
  }

  private void closeWith(CloseWebSocketFrame frame) {
    closed = true;
    channel.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
  }

  // ---- Transport side: called on the socket's context, which runs on the channel's event loop

  @Override
  public void write(Buffer frame) {
    if (!closed) {
      unflushed = false;
      channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.getBytes())), channel.voidPromise());
    }
  }

  @Override
  public boolean writeEvent(EventFrame frame) {
    if (closed) {
      return false;
    }
    // the already encoded WebSocket message passes the frame encoder untouched (it only encodes frames)
    ByteBuf wire = Unpooled.wrappedBuffer(frame.wire());
    channel.write(wire, channel.voidPromise());
    boolean first = !unflushed;
    unflushed = true;
    return first;
  }

  @Override
  public void flush() {
    if (unflushed) {
      unflushed = false;
      channel.flush();
    }
  }

  @Override
  public boolean writeQueueFull() {
    return !channel.isWritable();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
  }

  @Override
  public void frameHandler(Handler<Buffer> handler) {
    this.frameHandler = handler;
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    if (!channel.isActive()) {
      context.runOnContext(handler);
      return;
    }
    this.closeHandler = handler;
  }

  @Override
  public void pause() {
    channel.config().setAutoRead(false);
  }

  @Override
  public void resume() {
    channel.config().setAutoRead(true);
  }

  @Override
  public void close(int code, String reason) {
    if (!closed) {
      flush();
      closeWith(new CloseWebSocketFrame(code, reason));
    }
  }

  /** Drops the connection at once: the peer is not reading, a close frame would wait behind its backlog. */
  @Override
  public void abort() {
    closed = true;
    channel.unsafe().close(channel.voidPromise());
  }
}

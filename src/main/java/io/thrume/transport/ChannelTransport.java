package io.thrume.transport;


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
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
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
public final class ChannelTransport extends ChannelInboundHandlerAdapter implements Transport {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChannelTransport.class);
  /** How long a close this side began waits for the client's close frame before the connection is dropped. */
  static final long CLOSE_WAIT_MS = 5_000;
  /** Frames a client may still send after this side's close frame: those it had on their way, not a flood. */
  static final int MAX_READ_AFTER_CLOSE = 32;
  private final Channel channel;
  private final ContextInternal context;
  private Handler<Buffer> frameHandler;
  private Handler<Void> closeHandler;
  private Handler<Void> drainHandler;
  private boolean unflushed;
  private boolean closed;
  /** This side sent a close frame and waits for the client's (see {@link #close}). */
  private boolean closeSent;
  /** Frames read (and dropped) since this side sent its close frame. */
  private int readAfterClose;

  private ChannelTransport(Channel channel, ContextInternal context) {
    this.channel = channel;
    this.context = context;
  }

  /**
   * Takes over the channel of a WebSocket Vert.x has just accepted; call on the connection's event
   * loop, in the same task as the upgrade (no frame can have been read in between). Answers null
   * when this Vert.x does not look as expected; the caller then keeps Vert.x' WebSocket.
   */
  public static ChannelTransport takeOver(HttpConnection connection, ContextInternal context, int outboundQueueBytes,
                                   int maxMessageBytes) {
    if (!(connection instanceof ConnectionBase base)) {
      return null;
    }
    Channel channel = base.channel();
    ChannelPipeline pipeline = channel.pipeline();
    ChannelHandlerContext vertxContext = pipeline.context("handler");
    ChannelHandlerContext decoderContext = pipeline.context(WebSocketFrameDecoder.class);
    if (vertxContext == null || !(vertxContext.handler() instanceof VertxHandler<?> vertxHandler)
      || decoderContext == null || !channel.eventLoop().inEventLoop()) {
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
    // RSV bits only as negotiated (RFC 6455 §5.2, RFC 7692 §6): checked on the frames as they
    // arrive, before an extension (permessage-deflate) decodes them; a violation closes with 1002
    pipeline.addAfter(decoderContext.name(), "thrume-rsv", new RsvCheck());
    // text messages must be UTF-8 (RFC 6455 §8.1), across continuation frames too: else close 1007
    pipeline.addBefore("thrume-bridge", "thrume-utf8", new Utf8FrameValidator(false));
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
      if (closeSent && !(frame instanceof CloseWebSocketFrame) && ++readAfterClose > MAX_READ_AFTER_CLOSE) {
        // not a client that had frames on their way when the close came, but one that goes on: dropped
        channel.close();
      } else if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
        Buffer buffer = Buffer.buffer(ByteBufUtil.getBytes(frame.content()));
        Handler<Buffer> handler = frameHandler;
        if (handler != null && !closed) {
          context.dispatch(buffer, handler);
        }
      } else if (frame instanceof PingWebSocketFrame) {
        if (!closeSent) {
          channel.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        }
      } else if (frame instanceof CloseWebSocketFrame && closeSent) {
        // the client's answer to the close this side began: the handshake is done
        channel.close();
      } else if (frame instanceof CloseWebSocketFrame close) {
        // the peer's closing handshake: answer with its code, then close the connection. The decoder
        // refused reserved codes already, but it reads the code as a signed short: 5000 and up are not
        // codes of RFC 6455 either (§7.4.2)
        int code = close.statusCode();
        if (code >= 5000) {
          closeWith(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR));
        } else {
          closeWith(code < 0 ? new CloseWebSocketFrame(true, 0) : new CloseWebSocketFrame(code, null));
        }
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
    if (closed) {
      return; // closing already: later frames of a broken stream change nothing
    }
    if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      closeWith(new CloseWebSocketFrame(corrupted.closeStatus()));
    } else if (cause instanceof TooLongFrameException) {
      closeWith(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG));
    } else if (cause instanceof CorruptedFrameException) {
      closeWith(new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR));
    } else {
      if (!(cause instanceof java.io.IOException)) {
        // not the peer going away: a client sees its socket cut (1006) without a word, so say why here
        LOG.warn("Closing a socket after an unexpected error: {}", cause.toString());
      }
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
      // the frame's own bytes, not a copy (a sync answer is tens of KB); the frame encoder releases
      // what it wrote, which must not free the Buffer: the same Buffer may go to other sockets
      ByteBuf bytes = Unpooled.unreleasableBuffer(((BufferInternal) frame).getByteBuf());
      channel.writeAndFlush(new BinaryWebSocketFrame(bytes), channel.voidPromise());
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
    if (!closeSent) {
      channel.config().setAutoRead(false);
    }
  }

  @Override
  public void resume() {
    channel.config().setAutoRead(true);
  }

  /**
   * Begins the closing handshake (RFC 6455 §7.1.1): the close frame goes out, and the connection
   * ends when the client answers with its own, or after {@link #CLOSE_WAIT_MS}. Meanwhile what the
   * client still sends is read and dropped (up to {@link #MAX_READ_AFTER_CLOSE} frames: a client
   * that goes on sending is dropped): a connection closed with unread data, or with data still on
   * its way, is reset by the kernel, and a client whose connection is reset can lose the frames it
   * had not read yet, such as the drain's "reconnect in N ms" before the close.
   */
  @Override
  public void close(int code, String reason) {
    if (!closed) {
      flush();
      closed = true;
      closeSent = true;
      channel.config().setAutoRead(true);
      channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
      channel.eventLoop().schedule(() -> {
        if (channel.isOpen()) {
          channel.close();
        }
      }, CLOSE_WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Refuses frames whose RSV bits no extension negotiated: with permessage-deflate, RSV1 on the
   * first frame of a text or binary message (compressed); with the older per-frame deflate, RSV1
   * on data frames; never RSV2 or RSV3, never on control frames. Vert.x' decoder lets every RSV
   * bit through as soon as the server supports an extension, negotiated or not. The extension's
   * decoder joins the pipeline once the handshake response is written, so it is looked for at
   * the first frame with an RSV bit.
   */
  private static final class RsvCheck extends ChannelInboundHandlerAdapter {
    private static final int NONE = 0;
    private static final int PER_MESSAGE = 1;
    private static final int PER_FRAME = 2;
    private int negotiated = -1;
    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (failed) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof WebSocketFrame frame && frame.rsv() != 0 && !allowed(ctx, frame)) {
        int rsv = frame.rsv();
        failed = true;
        frame.release();
        throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
          "RSV bits " + rsv + " set, no extension negotiated them");
      }
      ctx.fireChannelRead(msg);
    }

    private boolean allowed(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (negotiated < 0) {
        negotiated = NONE;
        for (var entry : ctx.pipeline()) {
          if (entry.getValue() instanceof WebSocketExtensionDecoder decoder) {
            negotiated = decoder.getClass().getSimpleName().startsWith("PerMessageDeflate") ? PER_MESSAGE : PER_FRAME;
          }
        }
      }
      if (frame.rsv() != WebSocketExtension.RSV1 || negotiated == NONE) {
        return false;
      }
      boolean message = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
      return message || negotiated == PER_FRAME && frame instanceof ContinuationWebSocketFrame;
    }
  }

  /** Drops the connection at once: the peer is not reading, a close frame would wait behind its backlog. */
  @Override
  public void abort() {
    closed = true;
    channel.unsafe().close(channel.voidPromise());
  }
}

package io.thrume.edge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines for receiving a request on an HTTP/1.x connection, against clients that send a
 * request slowly to hold connections open (slowloris): from the first byte of a request, its head
 * (request line and headers) must be complete within {@code http.headerTimeoutMs} and the whole
 * request, body included, within {@code http.requestTimeoutMs}; else the connection is closed.
 * Trickling a byte now and then defeats an idle timeout, not these. Between requests only the
 * idle timeout ({@code http.idleTimeoutSeconds}, Vert.x' own) applies.
 *
 * <p>Two small handlers around Vert.x' request decoder: one before it notices the first bytes of
 * a request, one after it notices the decoded head and the end of the request. A connection that
 * becomes a WebSocket leaves HTTP: {@link #exempt} (or the first bytes after the upgrade) removes
 * them, and {@link #exempt} also removes the idle timeout from bridge sockets, which have their own
 * heartbeat.
 */
public final class RequestTimeouts {
  private static final Logger LOG = LoggerFactory.getLogger(RequestTimeouts.class);
  private static final String DECODER = "httpDecoder";
  private static final String START = "thrume-request-start";
  private static final String END = "thrume-request-end";
  private static final String IDLE = "idle";

  private RequestTimeouts() {
  }

  /** Call from the server's connection handler, before the connection reads anything. */
  public static void install(HttpConnection connection, long headerTimeoutMs, long requestTimeoutMs) {
    if (headerTimeoutMs <= 0 && requestTimeoutMs <= 0 || !(connection instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    if (pipeline.get(DECODER) == null) {
      return; // not an HTTP/1.x connection (h2c is turned off; TLS is not Thrume's)
    }
    Deadline deadline = new Deadline(headerTimeoutMs, requestTimeoutMs);
    pipeline.addBefore(DECODER, START, deadline.new Start());
    pipeline.addAfter(DECODER, END, deadline.new End());
  }

  /**
   * A connection upgraded to a bridge WebSocket: no request deadlines and no HTTP idle timeout
   * (the bridge closes sockets silent for {@code bridge.idleTimeoutMs} itself). Call on the
   * connection's event loop.
   */
  public static void exempt(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelPipeline pipeline = base.channel().pipeline();
      removeDeadlines(pipeline);
      if (pipeline.get(IDLE) instanceof IdleStateHandler) {
        pipeline.remove(IDLE);
      }
    }
  }

  private static void removeDeadlines(ChannelPipeline pipeline) {
    if (pipeline.get(START) instanceof Deadline.Start start) {
      start.deadline().cancel();
      pipeline.remove(START);
    }
    if (pipeline.get(END) != null) {
      pipeline.remove(END);
    }
  }

  /** The state of one connection; touched only on its event loop. */
  private static final class Deadline {
    private final long headerNanos;
    private final long requestNanos;
    private boolean receiving;
    private boolean headDone;
    private long startedAt;
    private ScheduledFuture<?> timer;

    Deadline(long headerTimeoutMs, long requestTimeoutMs) {
      long request = requestTimeoutMs > 0 ? TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs) : Long.MAX_VALUE;
      long header = headerTimeoutMs > 0 ? TimeUnit.MILLISECONDS.toNanos(headerTimeoutMs) : Long.MAX_VALUE;
      this.requestNanos = request;
      this.headerNanos = Math.min(header, request);
    }

    void started(ChannelHandlerContext ctx) {
      receiving = true;
      headDone = false;
      startedAt = System.nanoTime();
      schedule(ctx.channel(), headerNanos, "head");
    }

    void headReceived(Channel channel) {
      if (receiving && !headDone) {
        headDone = true;
        cancel();
        if (requestNanos != Long.MAX_VALUE) {
          schedule(channel, requestNanos - (System.nanoTime() - startedAt), "body");
        }
      }
    }

    void requestReceived() {
      receiving = false;
      headDone = false;
      cancel();
    }

    void cancel() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private void schedule(Channel channel, long nanos, String part) {
      if (nanos == Long.MAX_VALUE) {
        return;
      }
      timer = channel.eventLoop().schedule(() -> {
        timer = null;
        if (receiving) {
          LOG.debug("Closing {}: the request's {} did not arrive in time", channel.remoteAddress(), part);
          channel.close();
        }
      }, Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Before the decoder: the first bytes of a request start its clock. */
    final class Start extends ChannelInboundHandlerAdapter {
      Deadline deadline() {
        return Deadline.this;
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!receiving && msg instanceof ByteBuf bytes && bytes.isReadable()) {
          if (ctx.pipeline().get(DECODER) == null) {
            // upgraded (a WebSocket Vert.x serves): these are frames, not requests
            removeDeadlines(ctx.pipeline());
          } else {
            started(ctx);
          }
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
      }
    }

    /** After the decoder: the head decoded, then the end of the request. */
    final class End extends ChannelInboundHandlerAdapter {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
          if (!receiving) {
            // a pipelined request whose first bytes came with the end of the one before
            receiving = true;
            startedAt = System.nanoTime();
          }
          headReceived(ctx.channel());
        }
        if (msg instanceof LastHttpContent) {
          requestReceived();
        }
        ctx.fireChannelRead(msg);
      }
    }
  }
}

package io.thrume.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An event's bytes, encoded once for every raw WebSocket, are what a WebSocket client decodes. */
class EventFrameTest {

  @Test
  void theWireBytesDecodeToThePayloadForEveryLengthEncoding() {
    // 7-bit, 16-bit and 64-bit lengths, and the edges between them
    for (int size : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 200_000}) {
      byte[] payload = new byte[size];
      for (int i = 0; i < size; i++) {
        payload[i] = (byte) ('a' + i % 26);
      }
      EventFrame frame = new EventFrame(Buffer.buffer(payload));
      // a client's decoder: frames from a server are not masked
      EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
      client.writeInbound(Unpooled.wrappedBuffer(frame.wire()));
      BinaryWebSocketFrame decoded = client.readInbound();
      assertTrue(decoded.isFinalFragment(), "size " + size);
      assertArrayEquals(payload, ByteBufUtil.getBytes(decoded.content()), "size " + size);
      decoded.release();
      client.finishAndReleaseAll();
    }
  }

  @Test
  void anEventIsEncodedOnceForAllItsSockets() {
    EventFrame frame = new EventFrame(Buffer.buffer("{\"type\":\"rec\"}"));
    assertSame(frame.wire(), frame.wire());
  }
}

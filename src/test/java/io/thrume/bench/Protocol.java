package io.thrume.bench;

/** How a generator socket speaks to a server: Thrume's bridge frames, or Socket.IO's. */
enum Protocol {
  /** POST /api/realtime/ticket, then /eventbus/websocket?ticket=…, vert.x bridge frames. */
  THRUME,
  /** /socket.io/?EIO=4&transport=websocket, the token in the handshake's auth, events with acks. */
  SOCKET_IO
}

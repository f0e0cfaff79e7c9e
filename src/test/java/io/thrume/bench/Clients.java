package io.thrume.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens the generator's sockets. Sockets are spread over several local addresses (127.0.0.1,
 * 127.0.0.2, …) so that many connections and fast churn do not run out of ephemeral ports
 * (about 28k per local address, each held a minute in TIME_WAIT after a close).
 */
final class Clients {
  private final Vertx vertx;
  private final WebSocketClient[] sockets;
  private final WebClient http;
  private final AtomicInteger next = new AtomicInteger();

  /** How long an idle pooled HTTP connection is kept: well below the server's idle timeout. */
  static final int KEEP_ALIVE_SECONDS = 10;

  Clients(Vertx vertx, int localAddresses) {
    this.vertx = vertx;
    this.sockets = new WebSocketClient[localAddresses];
    for (int i = 0; i < localAddresses; i++) {
      sockets[i] = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000_000)
        .setConnectTimeout(60_000).setLocalAddress("127.0.0." + (i + 1)).setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 22));
    }
    // idle connections are closed here before the server's idle timeout (http.idleTimeoutSeconds,
    // 30 s) closes them: a request sent on a connection the server is closing at that moment is
    // reset, which failed a few of 10,000 connects in W5 (the first half minute of a slow connect
    // opens more pooled connections than the rest of it uses)
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setKeepAlive(true)
        .setKeepAliveTimeout(KEEP_ALIVE_SECONDS), new PoolOptions().setHttp1MaxSize(200));
  }

  /** How often a client of the protocol sends a heartbeat; 0: the server pings, the client answers. */
  static long heartbeatMs(Protocol protocol) {
    // Thrume: the web client's interval (webroot/src/services/eventBus.ts)
    return protocol == Protocol.THRUME ? 10_000 : 0;
  }

  /** Opens socket {@code index} for the holder of {@code token}; frames with benchmark messages go to {@code deliveries}. */
  Future<Session> open(Protocol protocol, int port, String token, int index, Deliveries deliveries) {
    return open(protocol, port, port, token, index, deliveries);
  }

  /**
   * The same, with Thrume's ticket taken from the node on {@code ticketPort} (a ticket is good on
   * every node of a cluster) and the socket opened to the node on {@code port}.
   */
  Future<Session> open(Protocol protocol, int ticketPort, int port, String token, int index, Deliveries deliveries) {
    WebSocketClient client = sockets[Math.floorMod(next.getAndIncrement(), sockets.length)];
    return switch (protocol) {
      case THRUME -> http.post(ticketPort, "127.0.0.1", "/api/realtime/ticket").putHeader("Authorization", "Bearer " + token)
        .send()
        .compose(r -> r.statusCode() == 200 ? Future.succeededFuture(r.bodyAsJsonObject().getString("ticket"))
          : Future.failedFuture("ticket: " + r.statusCode() + " " + r.bodyAsString()))
        .compose(ticket -> client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
          .setURI("/eventbus/websocket?ticket=" + ticket)))
        .map(ws -> new ThrumeSession(index, ws, deliveries));
      case SOCKET_IO -> client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
          .setURI("/socket.io/?EIO=4&transport=websocket"))
        .compose(ws -> new SocketIoSession(index, ws, deliveries, token).opened());
    };
  }

  void close() {
    http.close();
    for (WebSocketClient c : sockets) {
      c.close();
    }
  }

  /** One generator socket. Replies are matched by id; everything else is offered to the deliveries. */
  abstract static class Session {
    final int index;
    final WebSocket ws;
    final Deliveries deliveries;
    final Map<Integer, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
    final AtomicInteger ids = new AtomicInteger();
    /** Refusals that answer no request (Thrume: a register refused): such a socket would miss its events. */
    final AtomicInteger refusals = new AtomicInteger();

    Session(int index, WebSocket ws, Deliveries deliveries) {
      this.index = index;
      this.ws = ws;
      this.deliveries = deliveries;
      ws.closeHandler(v -> pending.values().forEach(p -> p.tryFail("closed")));
    }

    /** Joins the conversation, then asks for what came after {@code afterSeq}; done with the history's reply. */
    abstract Future<JsonObject> join(String conversation, long afterSeq);

    /** Sends a message; done with the server's acknowledgement (the stored message). */
    abstract Future<JsonObject> send(String conversation, String clientMessageId, String content);

    /** What a real client of this protocol sends to stay alive, every {@link Clients#heartbeatMs} (if not 0). */
    abstract void heartbeat();

    void close() {
      ws.close();
    }

    Promise<JsonObject> expect(int id) {
      Promise<JsonObject> p = Promise.promise();
      pending.put(id, p);
      return p;
    }

    void answer(int id, JsonObject body, String error) {
      Promise<JsonObject> p = pending.remove(id);
      if (p != null) {
        if (error != null) {
          p.tryFail(error);
        } else {
          p.tryComplete(body);
        }
      }
    }
  }

  /** Thrume's bridge: JSON frames; requests carry a replyAddress "~r<id>". */
  static final class ThrumeSession extends Session {
    private static final String REPLY = "\"~r";
    private static final String ERR = "{\"type\":\"err\"";

    ThrumeSession(int index, WebSocket ws, Deliveries deliveries) {
      super(index, ws, deliveries);
      ws.binaryMessageHandler(b -> onFrame(b.toString()));
      ws.textMessageHandler(this::onFrame);
    }

    private void onFrame(String text) {
      long now = System.nanoTime();
      if (text.contains(REPLY)) {
        JsonObject frame = new JsonObject(text);
        String address = frame.getString("address", "");
        if (address.startsWith("~r")) {
          int id = Integer.parseInt(address.substring(2));
          answer(id, frame.getJsonObject("body"), "err".equals(frame.getString("type")) ? frame.getString("message") : null);
          return;
        }
      }
      if (text.startsWith(ERR)) {
        refusals.incrementAndGet();
        return;
      }
      deliveries.onFrame(index, text, now);
    }

    private Future<JsonObject> request(String address, JsonObject body) {
      int id = ids.incrementAndGet();
      Promise<JsonObject> reply = expect(id);
      ws.writeTextMessage(new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", "~r" + id).encode());
      return reply.future();
    }

    /** Registers an address; the bridge answers only a refusal. */
    void register(String address) {
      ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
    }

    @Override
    Future<JsonObject> join(String conversation, long afterSeq) {
      register("conversation." + conversation);
      return request("chat.sync", new JsonObject().put("positions", new JsonObject().put(conversation, afterSeq)));
    }

    @Override
    Future<JsonObject> send(String conversation, String clientMessageId, String content) {
      return request("chat.send", new JsonObject().put("conversationId", conversation).put("content", content)
        .put("clientMessageId", clientMessageId));
    }

    @Override
    void heartbeat() {
      ws.writeTextMessage("{\"type\":\"ping\"}");
    }

  }

  /** Engine.IO 4 / Socket.IO 5 packets over a websocket: 0 open, 40 connect, 2/3 ping/pong, 42 event, 43 ack. */
  static final class SocketIoSession extends Session {
    private final Promise<Session> opened = Promise.promise();
    private final String token;

    SocketIoSession(int index, WebSocket ws, Deliveries deliveries, String token) {
      super(index, ws, deliveries);
      this.token = token;
      ws.textMessageHandler(this::onPacket);
      ws.closeHandler(v -> opened.tryFail("closed during the handshake"));
    }

    Future<Session> opened() {
      return opened.future();
    }

    private void onPacket(String text) {
      long now = System.nanoTime();
      if (text.startsWith("42")) {
        deliveries.onFrame(index, text, now);
      } else if (text.startsWith("43")) {
        int bracket = text.indexOf('[');
        int id = Integer.parseInt(text, 2, bracket, 10);
        JsonObject body = new JsonArray(text.substring(bracket)).getJsonObject(0);
        answer(id, body, body.containsKey("error") ? body.getString("error") : null);
      } else if ("2".equals(text)) {
        ws.writeTextMessage("3");
      } else if (text.startsWith("0{")) {
        ws.writeTextMessage("40" + new JsonObject().put("token", token).encode());
      } else if (text.startsWith("40")) {
        opened.tryComplete(this);
      } else if (text.startsWith("44")) {
        opened.tryFail("connect refused: " + text);
      }
    }

    private Future<JsonObject> emit(String event, Object body) {
      int id = ids.incrementAndGet();
      Promise<JsonObject> reply = expect(id);
      ws.writeTextMessage("42" + id + new JsonArray().add(event).add(body).encode());
      return reply.future();
    }

    @Override
    Future<JsonObject> join(String conversation, long afterSeq) {
      // both at once, as Thrume's register and sync go out back to back
      Future<JsonObject> joined = emit("join", conversation);
      Future<JsonObject> history = emit("sync", new JsonObject().put("conversationId", conversation).put("afterSeq", afterSeq));
      return Future.all(joined, history).map(v -> history.result());
    }

    @Override
    Future<JsonObject> send(String conversation, String clientMessageId, String content) {
      return emit("send", new JsonObject().put("conversationId", conversation).put("content", content)
        .put("clientMessageId", clientMessageId));
    }

    @Override
    void heartbeat() {
      // the Socket.IO server pings (every 25 s by default); the answer is in onPacket
    }

  }

}

package io.thrume.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test client speaking the standard bridge frames over /eventbus/websocket, as any non-browser
 * client would. Blocking helpers; every wait is bounded.
 */
public final class BridgeClient implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(10);
  private final WebSocketClient client;
  public final WebSocket ws;
  private final LinkedBlockingDeque<JsonObject> inbox = new LinkedBlockingDeque<>();
  /** Every frame received, in order, including those already taken from the inbox. */
  public final List<JsonObject> received = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile boolean closed;
  private volatile Short closeStatus;

  private BridgeClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.binaryMessageHandler(this::onFrame);
    ws.textMessageHandler(text -> onFrame(Buffer.buffer(text)));
    ws.closeHandler(v -> {
      closeStatus = ws.closeStatusCode();
      closed = true;
    });
  }

  /** A copy of every frame received so far (safe while frames keep arriving, unlike streaming {@link #received}). */
  public List<JsonObject> receivedSoFar() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  private void onFrame(Buffer buffer) {
    JsonObject frame = buffer.toJsonObject();
    received.add(frame);
    inbox.add(frame);
  }

  /** Gets a ticket with the token and connects with it. */
  public static BridgeClient connect(TestThrume thrume, String token) {
    return connect(thrume.vertx, thrume.port, token);
  }

  public static BridgeClient connect(Vertx vertx, int port, String token) {
    RestClient.Response r = new RestClient(vertx, port, null).post("/api/realtime/ticket", token, null);
    if (r.status() != 200) {
      throw new IllegalStateException("ticket: " + r);
    }
    return connectWithTicket(vertx, port, r.json().getString("ticket"));
  }

  public static BridgeClient connectWithTicket(TestThrume thrume, String ticket) {
    return connectWithTicket(thrume.vertx, thrume.port, ticket);
  }

  public static BridgeClient connectWithTicket(Vertx vertx, int port, String ticket) {
    return TestThrume.await(open(vertx, port, "/eventbus/websocket?ticket=" + ticket, null), 30);
  }

  public static Future<BridgeClient> open(TestThrume thrume, String uri, String origin) {
    return open(thrume.vertx, thrume.port, uri, origin);
  }

  public static Future<BridgeClient> open(Vertx vertx, int port, String uri, String origin) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
      .setMaxMessageSize(1 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    return client.connect(options).map(ws -> new BridgeClient(client, ws));
  }

  public void sendFrame(JsonObject frame) {
    TestThrume.await(ws.writeTextMessage(frame.encode()), 10);
  }

  public void sendText(String text) {
    TestThrume.await(ws.writeTextMessage(text), 10);
  }

  public void register(String address) {
    sendFrame(new JsonObject().put("type", "register").put("address", address));
  }

  /**
   * Registers and returns once the register is in effect: a register has no answer, but frames take
   * effect in order, so the answer to an (empty) request sent after it comes after it.
   */
  public void registerInEffect(String address) {
    register(address);
    call("chat.sync", new JsonObject().put("positions", new JsonObject()));
  }

  /** chat.view: says the socket has the conversation open (or not any more); "who is here" follows views. */
  public void view(String conversationId, boolean viewing) {
    call("chat.view", new JsonObject().put("conversationId", conversationId).put("viewing", viewing));
  }

  public void unregister(String address) {
    sendFrame(new JsonObject().put("type", "unregister").put("address", address));
  }

  public void ping() {
    sendFrame(new JsonObject().put("type", "ping"));
  }

  /** Sends with a reply address and waits for the rec or err frame answering it. */
  public JsonObject request(String address, JsonObject body) {
    return request(address, body, null);
  }

  public JsonObject request(String address, JsonObject body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body)
      .put("replyAddress", replyAddress);
    if (headers != null) {
      frame.put("headers", headers);
    }
    sendFrame(frame);
    return await(f -> replyAddress.equals(f.getString("address")), WAIT);
  }

  /** The body of the reply to a request that must succeed. */
  public JsonObject call(String address, JsonObject body) {
    JsonObject reply = request(address, body);
    if (!"rec".equals(reply.getString("type"))) {
      throw new IllegalStateException(address + " failed: " + reply);
    }
    return reply.getJsonObject("body");
  }

  /** Takes from the inbox the first frame matching, skipping (and keeping) the others; fails after the wait. */
  public JsonObject await(Predicate<JsonObject> match, Duration wait) {
    JsonObject found = poll(match, wait);
    if (found == null) {
      throw new AssertionError("no matching frame within " + wait + "; received: " + received);
    }
    return found;
  }

  /** Like await, but null when nothing matched in time. */
  public JsonObject poll(Predicate<JsonObject> match, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    List<JsonObject> skipped = new ArrayList<>();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        JsonObject frame = inbox.poll(left, TimeUnit.NANOSECONDS);
        if (frame == null) {
          return null;
        }
        if (match.test(frame)) {
          return frame;
        }
        skipped.add(frame);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      for (int i = skipped.size() - 1; i >= 0; i--) {
        inbox.addFirst(skipped.get(i));
      }
    }
  }

  /** The next event of a type on an address (rec frames whose body has that type). */
  public JsonObject event(String address, String type) {
    return await(f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address"))
      && f.getJsonObject("body") != null && type.equals(f.getJsonObject("body").getString("type")), WAIT)
      .getJsonObject("body");
  }

  public static Predicate<JsonObject> isEvent(String address, String type) {
    return f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address"))
      && f.getJsonObject("body") != null && type.equals(f.getJsonObject("body").getString("type"));
  }

  /**
   * A frame saying the user started viewing the conversation: user.joined for them, or a coalesced
   * viewers event that lists them among the joined.
   */
  public static Predicate<JsonObject> joined(String address, String userId) {
    return f -> (isEvent(address, "user.joined").test(f) && userId.equals(f.getJsonObject("body").getString("userId")))
      || (isEvent(address, "viewers").test(f) && f.getJsonObject("body").getJsonArray("joined").contains(userId));
  }

  /** Waits until user.joined / viewers frames on the address have named every one of the users. */
  public void awaitViewers(String address, java.util.Collection<String> userIds, Duration wait) {
    java.util.Set<String> missing = new java.util.HashSet<>(userIds);
    long deadline = System.nanoTime() + wait.toNanos();
    while (!missing.isEmpty()) {
      JsonObject frame = await(f -> isEvent(address, "user.joined").test(f) || isEvent(address, "viewers").test(f),
        Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      JsonObject body = frame.getJsonObject("body");
      if ("user.joined".equals(body.getString("type"))) {
        missing.remove(body.getString("userId"));
      } else {
        body.getJsonArray("joined").forEach(missing::remove);
      }
    }
  }

  public boolean awaitClosed(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!closed && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return closed;
  }

  /** The close code the server sent (null while open, or when it sent none). */
  public Short closeStatus() {
    return closeStatus;
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (!closed) {
      try {
        TestThrume.await(ws.close(), 10);
      } catch (RuntimeException ignored) {
        // already gone
      }
    }
    client.close();
  }
}

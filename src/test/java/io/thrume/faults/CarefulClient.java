package io.thrume.faults;

import io.thrume.support.RestClient.User;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One user with one socket over the raw WebSocket bridge, behaving as a careful client should, for
 * fault tests under load. It registers its conversation and its user address, syncs from the last
 * seq it holds, watches the others' presence, and sends one message after another at a steady
 * rate. Told "reconnect in N ms", it waits N ms and connects again through the {@link Balancer};
 * a send its closing socket left unanswered is sent again, same clientMessageId, on the next
 * socket; an UNAVAILABLE is sent again after its retry-after.
 *
 * <p>It records what a test checks: what was acknowledged, every seq held (live or by sync), a seq
 * received twice on one socket, anyone seen offline once flaps are watched, a socket closed without
 * being told, and how long it took to be back after its node went away. Its state is changed on its
 * own event-loop context and read by the test.
 */
final class CarefulClient {
  static final Pattern RECONNECT_IN = Pattern.compile("reconnect in (\\d+) ms");
  static final Pattern RETRY_AFTER = Pattern.compile("retry after (\\d+) s");
  final Vertx vertx;
  final Context context;
  final Balancer balancer;
  final int perSecond;
  final User user;
  final String conversationId;
  final String address;
  final List<String> others;
  volatile int node = -1;
  volatile boolean connected;
  volatile boolean stopped;
  volatile boolean sending;
  volatile boolean watchingForFlaps;
  WebSocket ws;
  long socketNumber;
  /** When the current socket opened (System.nanoTime). */
  private long openedNanos;
  /** The seqs this socket received live, to tell a duplicate. */
  Set<Long> liveOnThisSocket = new TreeSet<>();
  final Set<Long> held = Collections.synchronizedSet(new TreeSet<>());
  volatile long lastHeld;
  final Map<String, Long> acked = new ConcurrentHashMap<>();
  final List<String> duplicates = new CopyOnWriteArrayList<>();
  final List<String> flaps = new CopyOnWriteArrayList<>();
  final List<String> cut = new CopyOnWriteArrayList<>();
  final List<String> unexpected = new CopyOnWriteArrayList<>();
  final AtomicLong resent = new AtomicLong();
  final AtomicLong unavailable = new AtomicLong();
  final Map<String, Promise<JsonObject>> pending = new HashMap<>();
  final Map<String, Boolean> othersOnline = new ConcurrentHashMap<>();
  /** The message sent and not answered yet (kept across sockets: sent again until answered). */
  volatile JsonObject inFlight;
  boolean inFlightOnThisSocket;
  int nextMessage;
  int credits;
  long reconnectInMs = -1;
  volatile long nodeGoingAwayAt;
  volatile long backAfterMs = -1;
  volatile long slowestBackMs;
  volatile String lastFailure;
  /** Where the last return after a node's SIGTERM spent its time, for the slowest one's report. */
  volatile String backTimeline = "";
  /** The last return's steps in ms: ticket, upgrade, registers to the watch's answer, registers to the sync's. */
  volatile long[] backSteps = new long[4];
  private final long[] steps = new long[4];
  private long stepFrom;
  private final StringBuilder timeline = new StringBuilder();
  private int failedOpens;
  long pinger = -1;

  CarefulClient(Vertx vertx, Balancer balancer, User user, String conversationId, List<String> others, int perSecond) {
    this.vertx = vertx;
    this.balancer = balancer;
    this.perSecond = perSecond;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.user = user;
    this.conversationId = conversationId;
    this.address = "conversation." + conversationId;
    this.others = others;
  }

  void connect() {
    context.runOnContext(v -> open());
  }

  private void open() {
    if (stopped) {
      return;
    }
    int n = balancer.pick();
    mark("ticket from node " + n);
    stepFrom = System.nanoTime();
    balancer.http.request(HttpMethod.POST, balancer.ports[n], "127.0.0.1", "/api/realtime/ticket")
      .compose(req -> req.putHeader("Authorization", "Bearer " + user.token()).send())
      .compose(res -> res.body().map(body -> {
        if (res.statusCode() != 200) {
          throw new IllegalStateException("ticket from node " + n + ": " + res.statusCode() + " " + body);
        }
        return body.toJsonObject().getString("ticket");
      }))
      .compose(ticket -> {
        mark("upgrade");
        steps[0] = step();
        return balancer.webSockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(balancer.ports[n]).setURI("/eventbus/websocket?ticket=" + ticket));
      })
      .onSuccess(socket -> opened(socket, n))
      // a node going away refuses tickets and sockets (503): like a balancer's retry, another node
      .onFailure(e -> {
        lastFailure = e.toString();
        failedOpens++;
        mark("failed (" + e.getMessage() + ")");
        vertx.setTimer(200, id -> open());
      });
  }

  private void opened(WebSocket socket, int n) {
    steps[1] = step();
    ws = socket;
    if (pinger < 0) {
      // like the web client: a socket silent for 30 s is closed
      pinger = vertx.setPeriodic(10_000, id -> {
        if (connected) {
          write(new JsonObject().put("type", "ping"));
        }
      });
    }
    long number = ++socketNumber;
    openedNanos = System.nanoTime();
    node = n;
    liveOnThisSocket = new TreeSet<>();
    reconnectInMs = -1;
    // frames come as binary or text messages
    socket.handler(buffer -> frame(buffer.toJsonObject()));
    socket.closeHandler(v -> closed(number, socket.closeStatusCode()));
    write(new JsonObject().put("type", "register").put("address", "user." + user.id()));
    write(new JsonObject().put("type", "register").put("address", address));
    mark("registers, sync and watch sent");
    // the registers are in effect for what follows: sync from the last seq held, and watch (both at
    // once: the watch answers from memory, the sync from the database, so the slowest one's
    // report shows which of them, or the registers both wait for, took the time)
    long sent = System.nanoTime();
    Future<Void> synced = sync().onSuccess(v -> {
      mark("synced");
      steps[3] = (System.nanoTime() - sent) / 1_000_000;
    });
    // the watch answer is applied as it comes: presence events after it are newer
    Future<JsonObject> watched = request("presence.watch", new JsonObject().put("userIds", new JsonArray(others)))
      .onSuccess(states -> {
        mark("watched");
        steps[2] = (System.nanoTime() - sent) / 1_000_000;
        states.forEach(e -> {
          boolean online = ((JsonObject) e.getValue()).getBoolean("online");
          othersOnline.put(e.getKey(), online);
          if (!online && watchingForFlaps) {
            flaps.add(e.getKey() + " offline in the watch answer on node " + n);
          }
        });
      });
    Future.all(synced, watched)
      .onSuccess(v -> {
        if (nodeGoingAwayAt != 0 && backAfterMs < 0) {
          mark("back");
          backTimeline = timeline.toString();
          backSteps = steps.clone();
          backAfterMs = (System.nanoTime() - nodeGoingAwayAt) / 1_000_000;
        }
        connected = true;
        if (inFlight != null) {
          resent.incrementAndGet();
          transmit();
        }
      })
      .onFailure(e -> unexpected.add("after connecting to node " + n + ": " + e.getMessage()));
  }

  private Future<Void> sync() {
    return request("chat.sync", new JsonObject().put("positions", new JsonObject().put(conversationId, lastHeld)))
      .compose(answer -> {
        JsonObject c = answer.getJsonObject("conversations").getJsonObject(conversationId);
        c.getJsonArray("messages").forEach(o -> hold(((JsonObject) o).getLong("seq")));
        return c.getBoolean("hasMore") ? sync() : Future.succeededFuture();
      });
  }

  private void hold(long seq) {
    held.add(seq);
    while (held.contains(lastHeld + 1)) {
      lastHeld++;
    }
  }

  boolean holds(long lastSeq) {
    return lastHeld >= lastSeq;
  }

  List<Long> missing(long lastSeq) {
    List<Long> out = new ArrayList<>();
    for (long s = 1; s <= lastSeq && out.size() < 10; s++) {
      if (!held.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  private void frame(JsonObject frame) {
    String type = frame.getString("type");
    String to = frame.getString("address");
    Promise<JsonObject> reply = to == null ? null : pending.remove(to);
    if (reply != null) {
      if ("rec".equals(type)) {
        reply.complete(frame.getJsonObject("body"));
      } else {
        reply.fail(frame.getInteger("failureCode", 0) + " " + frame.getString("message"));
      }
      return;
    }
    if ("err".equals(type)) {
      Matcher m = RECONNECT_IN.matcher(frame.getString("message", ""));
      if (to == null && m.find()) {
        reconnectInMs = Long.parseLong(m.group(1));
        mark("told to reconnect in " + reconnectInMs + " ms");
      } else {
        unexpected.add("err " + frame.encode());
      }
      return;
    }
    JsonObject body = frame.getJsonObject("body");
    if (address.equals(to) && "message".equals(body.getString("type"))) {
      long seq = body.getJsonObject("message").getLong("seq");
      if (!liveOnThisSocket.add(seq)) {
        duplicates.add("seq " + seq + " on node " + node);
      }
      hold(seq);
    } else if (("user." + user.id()).equals(to) && "presence".equals(body.getString("type"))) {
      othersOnline.put(body.getString("userId"), body.getBoolean("online"));
      if (!body.getBoolean("online") && watchingForFlaps) {
        flaps.add(body.getString("userId") + " offline, seen on node " + node);
      }
    }
  }

  private void closed(long number, Short status) {
    if (number != socketNumber || stopped) {
      return;
    }
    connected = false;
    pending.values().forEach(p -> p.tryFail("the socket closed"));
    pending.clear();
    inFlightOnThisSocket = false;
    mark("closed (" + status + ")");
    if (reconnectInMs < 0) {
      // when, to find it in the nodes' logs
      cut.add("socket on node " + node + " closed with " + status + " without being told, "
        + (System.nanoTime() - openedNanos) / 1_000_000 + " ms after it opened (socket " + number + "), at "
        + java.time.LocalTime.now());
    }
    vertx.setTimer(Math.max(1, reconnectInMs), id -> open());
  }

  String describe() {
    return user.username() + " (node " + node + ", connected " + connected + ", last failure " + lastFailure
      + ", unexpected " + unexpected + ", cut " + cut + ", told to reconnect in " + reconnectInMs + " ms)";
  }

  /** Its node got SIGTERM at {@code at} (System.nanoTime): from then on, it counts the time until it is back. */
  void goingAway(long at) {
    context.runOnContext(v -> {
      timeline.setLength(0);
      failedOpens = 0;
    });
    backAfterMs = -1;
    nodeGoingAwayAt = at;
  }

  /** ms since the last step began; the next begins now. */
  private long step() {
    long now = System.nanoTime();
    long ms = (now - stepFrom) / 1_000_000;
    stepFrom = now;
    return ms;
  }

  /** Notes a step of a return after a node's SIGTERM, in ms since it (on this client's context). */
  private void mark(String step) {
    long at = nodeGoingAwayAt;
    if (at != 0 && backAfterMs < 0 && failedOpens < 20) {
      timeline.append((System.nanoTime() - at) / 1_000_000).append(" ms ").append(step).append("; ");
    }
  }

  void backAgain() {
    nodeGoingAwayAt = 0;
    slowestBackMs = Math.max(slowestBackMs, backAfterMs);
  }

  void startWatchingForFlaps() {
    watchingForFlaps = true;
  }

  boolean seesEveryoneOnline() {
    return othersOnline.size() == others.size() && othersOnline.values().stream().allMatch(b -> b);
  }

  void startSending() {
    sending = true;
    // spread over the period, not all at once
    long offset = 1 + ThreadLocalRandom.current().nextLong(1000 / perSecond);
    context.runOnContext(v -> vertx.setPeriodic(offset, 1000 / perSecond, id -> {
      if (!sending) {
        vertx.cancelTimer(id);
        return;
      }
      // a message is due every period; one that could not go (the last still unanswered) goes later
      credits = Math.min(credits + 1, perSecond);
      sendNext();
    }));
  }

  private void sendNext() {
    if (sending && connected && inFlight == null && credits > 0) {
      credits--;
      inFlight = new JsonObject().put("conversationId", conversationId).put("content", "m" + nextMessage)
        .put("clientMessageId", user.username() + "-" + nextMessage++);
      transmit();
    }
  }

  /** Sends the message in flight on this socket; answered, it is done; unanswered, it waits for the next socket. */
  private void transmit() {
    JsonObject message = inFlight;
    inFlightOnThisSocket = true;
    request("chat.send", message).onComplete(ar -> {
      if (ar.succeeded()) {
        acked.put(message.getString("clientMessageId"), ar.result().getLong("seq"));
        inFlight = null;
        sendNext();
        return;
      }
      String why = ar.cause().getMessage();
      Matcher retry = RETRY_AFTER.matcher(why);
      if (why.startsWith("503 ") && retry.find()) {
        unavailable.incrementAndGet();
        vertx.setTimer(Long.parseLong(retry.group(1)) * 1000, id -> {
          if (connected && inFlight == message) {
            transmit();
          }
        });
      } else if (!"the socket closed".equals(why)) {
        unexpected.add("chat.send " + message.getString("clientMessageId") + ": " + why);
        inFlight = null;
      }
      // closed: sent again, same clientMessageId, once the next socket is registered and synced
    });
  }

  void stopSending() {
    sending = false;
  }

  private Future<JsonObject> request(String to, JsonObject body) {
    String replyAddress = user.id() + "-" + java.util.UUID.randomUUID();
    Promise<JsonObject> reply = Promise.promise();
    pending.put(replyAddress, reply);
    write(new JsonObject().put("type", "send").put("address", to).put("body", body).put("replyAddress", replyAddress));
    return reply.future();
  }

  private void write(JsonObject frame) {
    ws.writeTextMessage(frame.encode());
  }

  void stop() {
    stopped = true;
    sending = false;
    context.runOnContext(v -> {
      vertx.cancelTimer(pinger);
      if (ws != null) {
        ws.close();
      }
    });
  }
}

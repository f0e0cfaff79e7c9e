package io.thrume.faults;

import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.thrume.faults.Waits.awaitCondition;
import static io.thrume.faults.Waits.ms;
import static io.thrume.faults.Waits.pause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, item 4: a rolling restart of 3 nodes under 1,000 persisted msgs/s. Every node in turn
 * gets SIGTERM (it drains: each socket is told when to reconnect and closed with 1012), exits, and
 * is started again; the next one goes only once it is ready. Real heartbeat settings and presence
 * graces; only the per-user send limit is lifted, the senders' rate is the test's own.
 *
 * <p>{@value #USERS} users in conversations of {@value #MEMBERS}, one socket each, spread over the
 * nodes by a round-robin "balancer" that skips a node from its SIGTERM until it is ready again. Each
 * socket registers its conversation and its user address, watches the presence of the others in its
 * conversation, and sends one message after another at {@value #PER_USER_PER_SECOND} per second.
 * It does what a client should: honours "reconnect in N ms", then registers, syncs from the last seq
 * it holds and watches again; a send left unanswered by a closing socket is sent again, same
 * clientMessageId, on the next socket; an UNAVAILABLE is retried after its retry-after.
 *
 * <p>What must hold: every acknowledged message stored once, seqs gap-free; every member holds every
 * seq of its conversation (live, or by the sync after its reconnect) and no socket received one twice;
 * no observer ever saw anyone offline; every socket of a restarted node was told (not cut) and was
 * back, registered and synced, within 10 s of its node's SIGTERM.
 *
 * <p>{@code -Dthrume.faults.cpus=0} pins the nodes to one CPU ({@code taskset}).
 */
class RollingRestartTest {
  static final String CPUS = System.getProperty("thrume.faults.cpus", "");
  static final int NODES = 3;
  static final int MEMBERS = 5;
  static final int USERS = 200;
  static final int PER_USER_PER_SECOND = 5;
  static final long BACK_WITHIN_MS = 10_000;
  static final Pattern RECONNECT_IN = Pattern.compile("reconnect in (\\d+) ms");
  static final Pattern RETRY_AFTER = Pattern.compile("retry after (\\d+) s");
  static ThrumeCluster cluster;
  static HttpClient http;
  static WebSocketClient webSockets;
  /** The nodes the balancer may pick. */
  static final Set<Integer> up = ConcurrentHashMap.newKeySet();
  static final AtomicInteger nextNode = new AtomicInteger();
  static final List<Member> members = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    JsonObject relaxed = new JsonObject().put("chat", new JsonObject().put("sendBurst", 1_000_000)
      .put("sendPerSecond", 1_000_000.0)));
    cluster = new ThrumeCluster(NODES, relaxed, ThrumeCluster.pinnedTo(CPUS));
    System.out.println("RollingRestartTest: " + (cluster.isPinned() ? "nodes pinned to CPU " + CPUS : "nodes not pinned")
      + "; " + cluster.logs());
    http = cluster.vertx.createHttpClient(new HttpClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(50));
    webSockets = cluster.vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
      .setMaxMessageSize(1 << 20).setMaxConnections(USERS * 2));
    for (int i = 0; i < NODES; i++) {
      up.add(i);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    members.forEach(Member::stop);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aRollingRestartUnderLoadLosesNothingDoublesNothingAndShowsNobodyOffline() throws Exception {
    List<User> users = cluster.seedAccounts("roll", USERS);
    for (int c = 0; c < USERS / MEMBERS; c++) {
      List<User> group = users.subList(c * MEMBERS, (c + 1) * MEMBERS);
      String id = cluster.rest(0).acceptedConversation(group.get(0), group.subList(1, MEMBERS).toArray(User[]::new));
      for (User u : group) {
        members.add(new Member(cluster.vertx, u, id, group.stream().filter(o -> !o.equals(u)).map(User::id).toList()));
      }
    }
    members.forEach(Member::connect);
    await(() -> members.stream().allMatch(m -> m.connected), 60, () -> "every socket connected: "
      + members.stream().filter(m -> !m.connected).map(Member::describe).limit(5).toList());
    // from here on, everyone is online for good: an offline state anyone sees is a flap
    awaitCondition(() -> members.stream().allMatch(Member::seesEveryoneOnline), java.time.Duration.ofSeconds(30),
      "everyone sees everyone online");
    members.forEach(Member::startWatchingForFlaps);

    long started = System.nanoTime();
    members.forEach(Member::startSending);
    pause(5_000);
    long[] steady = {acked()};
    List<String> restarts = new ArrayList<>();
    for (int node = 0; node < NODES; node++) {
      int n = node;
      List<Member> onIt = members.stream().filter(m -> m.node == n && m.connected).toList();
      up.remove(node);
      long term = System.nanoTime();
      onIt.forEach(m -> m.goingAway(term));
      int exit = cluster.nodes[node].terminate();
      long exited = ms(term);
      cluster.start(node);
      long ready = ms(term);
      up.add(node);
      await(() -> onIt.stream().allMatch(m -> m.backAfterMs >= 0 || !m.cut.isEmpty()), 30,
        () -> "the sockets of node " + n + " come back: " + onIt.stream().filter(m -> m.backAfterMs < 0).map(Member::describe)
          .limit(5).toList());
      long slowest = onIt.stream().mapToLong(m -> m.backAfterMs).max().orElse(-1);
      restarts.add("node " + node + ": " + onIt.size() + " sockets; exit " + exit + " after " + exited + " ms; ready again after "
        + ready + " ms; its sockets back within " + slowest + " ms");
      onIt.forEach(Member::backAgain);
      pause(5_000);
    }
    long seconds = ms(started) / 1000;
    members.forEach(Member::stopSending);
    awaitCondition(() -> members.stream().allMatch(m -> m.inFlight == null), java.time.Duration.ofSeconds(20),
      "every send answered");
    long ackedTotal = acked();
    String figures = ackedTotal + " acknowledged in " + seconds + " s (" + (ackedTotal / Math.max(1, seconds))
      + " msgs/s; " + steady[0] / 5 + " msgs/s before the first restart); " + sum(m -> m.resent.get()) + " sent again on another socket, "
      + sum(m -> m.unavailable.get()) + " refused UNAVAILABLE; " + String.join("; ", restarts);
    System.out.println("RollingRestartTest: " + figures);
    String context = figures + "\n" + cluster.logs();

    for (Member m : members) {
      assertTrue(m.unexpected.isEmpty(), m.user.username() + ": " + m.unexpected + "\n" + context);
      assertTrue(m.cut.isEmpty(), m.user.username() + " was cut, not told: " + m.cut + "\n" + context);
      assertTrue(m.flaps.isEmpty(), m.user.username() + " saw offline: " + m.flaps + "\n" + context);
      assertTrue(m.slowestBackMs <= BACK_WITHIN_MS, m.user.username() + " back after " + m.slowestBackMs + " ms\n" + context);
    }

    // stored: each acknowledged message once, as acknowledged, seqs gap-free per conversation
    Map<String, Map<String, Long>> ackedByConversation = new HashMap<>();
    members.forEach(m -> ackedByConversation.computeIfAbsent(m.conversationId, c -> new HashMap<>()).putAll(m.acked));
    Map<String, Long> lastSeqs = new HashMap<>();
    try (Connection c = cluster.jdbc()) {
      for (var entry : ackedByConversation.entrySet()) {
        List<Long> seqs = new ArrayList<>();
        Map<String, Long> stored = new HashMap<>();
        try (ResultSet rs = c.createStatement().executeQuery("SELECT client_message_id, seq FROM message "
          + "WHERE conversation_id = '" + entry.getKey() + "' ORDER BY seq")) {
          while (rs.next()) {
            seqs.add(rs.getLong(2));
            assertEquals(null, stored.put(rs.getString(1), rs.getLong(2)), "stored twice: " + rs.getString(1));
          }
        }
        assertEquals(entry.getValue(), stored, "stored exactly what was acknowledged: " + context);
        assertEquals(java.util.stream.LongStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs, "gap-free: " + context);
        lastSeqs.put(entry.getKey(), (long) seqs.size());
      }
    }
    // received: every member holds every seq, no socket got one twice
    awaitCondition(() -> members.stream().allMatch(m -> m.holds(lastSeqs.get(m.conversationId))),
      java.time.Duration.ofSeconds(10), "every member holds every message; missing: " + members.stream()
        .filter(m -> !m.holds(lastSeqs.get(m.conversationId))).map(m -> m.user.username() + " " + m.missing(lastSeqs.get(m.conversationId)))
        .limit(5).toList() + "\n" + context);
    for (Member m : members) {
      assertTrue(m.duplicates.isEmpty(), m.user.username() + " got twice on one socket: " + m.duplicates + "\n" + context);
    }
  }

  /** Polls until the condition holds; fails with what {@code why} tells then. */
  static void await(java.util.function.BooleanSupplier condition, int seconds, java.util.function.Supplier<String> why) {
    try {
      awaitCondition(condition, java.time.Duration.ofSeconds(seconds), "");
    } catch (AssertionError e) {
      throw new AssertionError(why.get() + e.getMessage() + "\n" + cluster.logs());
    }
  }

  static long acked() {
    return sum(m -> m.acked.size());
  }

  static long sum(java.util.function.ToLongFunction<Member> f) {
    return members.stream().mapToLong(f).sum();
  }

  static int pickNode() {
    for (int tries = 0; tries < NODES * 2; tries++) {
      int n = Math.floorMod(nextNode.getAndIncrement(), NODES);
      if (up.contains(n)) {
        return n;
      }
    }
    return Math.floorMod(nextNode.getAndIncrement(), NODES);
  }

  /**
   * One user with one socket, as a careful client behaves; all its state is touched on its own
   * context, and read by the test once the senders stopped.
   */
  static final class Member {
    final Vertx vertx;
    final Context context;
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
    long pinger = -1;

    Member(Vertx vertx, User user, String conversationId, List<String> others) {
      this.vertx = vertx;
      this.context = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
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
      int n = pickNode();
      http.request(HttpMethod.POST, cluster.httpPorts[n], "127.0.0.1", "/api/realtime/ticket")
        .compose(req -> req.putHeader("Authorization", "Bearer " + user.token()).send())
        .compose(res -> res.body().map(body -> {
          if (res.statusCode() != 200) {
            throw new IllegalStateException("ticket from node " + n + ": " + res.statusCode() + " " + body);
          }
          return body.toJsonObject().getString("ticket");
        }))
        .compose(ticket -> webSockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(cluster.httpPorts[n]).setURI("/eventbus/websocket?ticket=" + ticket)))
        .onSuccess(socket -> opened(socket, n))
        // a node going away refuses tickets and sockets (503): like a balancer's retry, another node
        .onFailure(e -> {
          lastFailure = e.toString();
          vertx.setTimer(200, id -> open());
        });
    }

    private void opened(WebSocket socket, int n) {
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
      node = n;
      liveOnThisSocket = new TreeSet<>();
      reconnectInMs = -1;
      // frames come as binary or text messages
      socket.handler(buffer -> frame(buffer.toJsonObject()));
      socket.closeHandler(v -> closed(number, socket.closeStatusCode()));
      write(new JsonObject().put("type", "register").put("address", "user." + user.id()));
      write(new JsonObject().put("type", "register").put("address", address));
      // the registers are in effect for what follows: sync from the last seq held, then watch
      sync().compose(v -> request("presence.watch", new JsonObject().put("userIds", new JsonArray(others))))
        .onSuccess(states -> {
          states.forEach(e -> {
            boolean online = ((JsonObject) e.getValue()).getBoolean("online");
            othersOnline.put(e.getKey(), online);
            if (!online && watchingForFlaps) {
              flaps.add(e.getKey() + " offline in the watch answer on node " + n);
            }
          });
          if (nodeGoingAwayAt != 0 && backAfterMs < 0) {
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
      if (reconnectInMs < 0) {
        cut.add("socket on node " + node + " closed with " + status + " without being told");
      }
      vertx.setTimer(Math.max(1, reconnectInMs), id -> open());
    }

    String describe() {
      return user.username() + " (node " + node + ", connected " + connected + ", last failure " + lastFailure
        + ", unexpected " + unexpected + ", cut " + cut + ", told to reconnect in " + reconnectInMs + " ms)";
    }

    /** Its node got SIGTERM at {@code at} (System.nanoTime): from then on, it counts the time until it is back. */
    void goingAway(long at) {
      backAfterMs = -1;
      nodeGoingAwayAt = at;
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
      long offset = 1 + java.util.concurrent.ThreadLocalRandom.current().nextLong(1000 / PER_USER_PER_SECOND);
      context.runOnContext(v -> vertx.setPeriodic(offset, 1000 / PER_USER_PER_SECOND, id -> {
        if (!sending) {
          vertx.cancelTimer(id);
          return;
        }
        // a message is due every period; one that could not go (the last still unanswered) goes later
        credits = Math.min(credits + 1, PER_USER_PER_SECOND);
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
}

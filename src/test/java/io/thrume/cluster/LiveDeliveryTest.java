package io.thrume.cluster;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live delivery in a 2-node cluster whose nodes share one CPU core ({@code taskset -c 0}, as in
 * the outside run that found the loss). Before the fix, a socket's {@code register} was acted on by
 * its own node at once, but the other node learned of the new event-bus consumer (a Vert.x
 * subscription replicated by Hazelcast) only later, and what it published meanwhile never reached
 * the socket. Now every node receives every event and keeps its sockets' registrations itself.
 *
 * <p>When is a register "processed"? The bridge protocol does not answer a register, but Thrume
 * acts on a socket's frames in the order they were sent: so once the reply to a request sent after
 * the register arrives, the register is in effect. Each socket sends such a probe
 * ({@code presence.watch} of nobody) right after its registers.
 *
 * <p>Both tests share one cluster: starting two pinned nodes on one core takes a while, and each
 * test seeds its own accounts and creates its own conversations, so neither sees the other's
 * data; each closes its sockets and waits for the nodes to let them go before it ends.
 *
 * <p>{@code -Dthrume.test.cpus=0} (the default) is the taskset CPU list; empty runs the nodes
 * unpinned (so does a machine without /usr/bin/taskset).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveDeliveryTest {
  static final String CPUS = System.getProperty("thrume.test.cpus", "0");
  static final int NODE_1 = 0;
  static final int NODE_2 = 1;
  /** Started by case 3, while the others carry load. */
  static final int NODE_3 = 2;
  /**
   * The brief's criterion, reported beside the strict one: messages acknowledged from this long
   * after a socket's register frame was written. Not asserted: under load a register takes its
   * node a while to check (a membership query), so no small settle separates "not in effect yet"
   * from "lost".
   */
  static final long SETTLE_MS = 50;

  static ThrumeCluster cluster;
  static Vertx vertx;
  static WebClient web;
  static WebSocketClient sockets;
  static final List<Client> open = new CopyOnWriteArrayList<>();
  static long pinger;

  @BeforeAll
  static void start() throws Exception {
    // relaxed so that no refusal stands in for a loss; a short offline grace so that the users
    // of one test are gone (presence work done) before the next starts
    JsonObject relaxed = new JsonObject()
      .put("auth", new JsonObject().put("attemptsBurst", 1_000_000).put("attemptsPerMinute", 1_000_000))
      .put("chat", new JsonObject().put("sendBurst", 1_000_000).put("sendPerSecond", 1_000_000.0)
        .put("actionBurst", 1_000_000).put("actionPerSecond", 1_000_000.0))
      .put("presence", new JsonObject().put("offlineGraceMs", 500));
    cluster = new ThrumeCluster(3, 2, relaxed, ThrumeCluster.pinnedTo(CPUS));
    System.out.println("LiveDeliveryTest: " + pinning() + "; " + cluster.logs());
    vertx = cluster.vertx;
    web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(50));
    sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000)
      .setConnectTimeout(60_000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    // clients ping like the web client (the server closes sockets silent for 30 s)
    pinger = vertx.setPeriodic(10_000, id -> open.forEach(Client::ping));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      vertx.cancelTimer(pinger);
      cluster.close();
    }
  }

  /**
   * Case 1, registration lag: 50 conversations of 20, 10 members' sockets on each node. Once all
   * are connected, every member registers its conversation; 2 s later a member on node 1 sends
   * one message into each. Every member on both nodes must have it live within 2 s of the send's
   * acknowledgement. (The outside run saw node 2 complete in 12 of 50 conversations. On the
   * project's 2-core machine this case passes: after a quiet wave of registers the lag stays
   * under 0.5 s. Case 2, under load, reproduces the loss there.)
   */
  @Test
  @Order(1)
  void everyMemberGetsAMessageSentTwoSecondsAfterTheyRegistered() throws Exception {
    int conversations = 50;
    int perNode = 10;
    int size = 2 * perNode;
    long boundNanos = TimeUnit.SECONDS.toNanos(2);
    List<User> users = cluster.seedAccounts("lag", conversations * size);
    List<Client> clients = new ArrayList<>();
    for (int c = 0; c < conversations; c++) {
      List<User> members = users.subList(c * size, (c + 1) * size);
      String id = createConversation(members);
      for (int m = 0; m < size; m++) {
        clients.add(new Client(clients.size(), members.get(m), m < perNode ? NODE_1 : NODE_2, id));
      }
    }
    try {
      connectAll(clients, c -> c.node);
      clients.forEach(c -> {
        c.register(c.conversationAddress());
        c.probe();
      });
      Thread.sleep(2_000);
      String consumers = consumersPerNode();

      // one message per conversation from its first member (on node 1), all at once
      List<Future<Sent>> sending = new ArrayList<>();
      for (int c = 0; c < conversations; c++) {
        sending.add(clients.get(c * size).send("lag " + c, "lag-" + c));
      }
      Map<String, Sent> sent = new HashMap<>();
      for (Future<Sent> f : sending) {
        Sent s = await(f, 30);
        sent.put(s.conversationId(), s);
      }
      long lastAck = sent.values().stream().mapToLong(Sent::ackedAt).max().orElseThrow();
      sleepUntil(lastAck + boundNanos);

      // per node: in how many conversations did every member on that node have it in time
      int[] complete = new int[2];
      int[] missed = new int[2];
      int[] missedInEffect = new int[2];
      for (int c = 0; c < conversations; c++) {
        boolean[] all = {true, true};
        for (Client client : clients.subList(c * size, (c + 1) * size)) {
          Sent s = sent.get(client.conversationId);
          Long at = client.arrivals().get(s.seq());
          if (at == null || at - s.ackedAt() > boundNanos) {
            all[client.node] = false;
            missed[client.node]++;
            missedInEffect[client.node] += client.inEffectBefore(s.requestedAt()) ? 1 : 0;
          }
        }
        for (int n = 0; n < 2; n++) {
          complete[n] += all[n] ? 1 : 0;
        }
      }
      boolean allComplete = complete[NODE_1] == conversations && complete[NODE_2] == conversations;
      String late = allComplete ? "" : lateArrivals(clients, sent, boundNanos);
      String report = String.format("case 1 (%s): node-1 members complete in %d/%d conversations (%d of %d sockets missed"
          + " the message within 2 s of its ack, %d of them with their register in effect before the send), node-2 members"
          + " complete in %d/%d conversations (%d of %d sockets missed, %d with their register in effect)%s"
          + "%n  client addresses in use per node at the send: %s%n  %s",
        pinning(), complete[NODE_1], conversations, missed[NODE_1], conversations * perNode, missedInEffect[NODE_1],
        complete[NODE_2], conversations, missed[NODE_2], conversations * perNode, missedInEffect[NODE_2], late,
        consumers, cluster.logs());
      System.out.println(report);
      assertEquals(conversations, complete[NODE_2], report);
      assertEquals(conversations, complete[NODE_1], report);
    } finally {
      closeAll(clients);
    }
  }

  /** Were the missed deliveries late or lost? The outside run saw them all arrive 10 s later. */
  static String lateArrivals(List<Client> clients, Map<String, Sent> sent, long boundNanos) throws InterruptedException {
    Thread.sleep(10_000);
    List<Long> lateMs = new ArrayList<>();
    int never = 0;
    for (Client client : clients) {
      Sent s = sent.get(client.conversationId);
      Long at = client.arrivals().get(s.seq());
      if (at == null) {
        never++;
      } else if (at - s.ackedAt() > boundNanos) {
        lateMs.add(TimeUnit.NANOSECONDS.toMillis(at - s.ackedAt()));
      }
    }
    return String.format("%n  10 s later: %d of the missed deliveries had arrived late (%s ms after the ack), %d never",
      lateMs.size(), range(lateMs), never);
  }

  /**
   * Case 2, under load: 400 sockets in 20 fresh conversations of 20, socket i on node i mod 2,
   * every ticket bought on node 1. Once all are connected each registers its conversation and
   * its user address, and right away every user sends, 100 messages/s in all for 5 s. Every
   * message sent after a socket's register was in effect must reach it live, once, in seq order.
   */
  @Test
  @Order(2)
  void underLoadEveryMessageSentAfterARegisterReachesThatSocketOnceInOrder() throws Exception {
    int socketCount = 400;
    int size = 20;
    int perSecond = 100;
    int seconds = 5;
    long countAfterLastAckMs = 3_000;
    List<User> users = cluster.seedAccounts("load", socketCount);
    List<Client> clients = new ArrayList<>();
    for (int c = 0; c < socketCount / size; c++) {
      List<User> members = users.subList(c * size, (c + 1) * size);
      String id = createConversation(members);
      for (User u : members) {
        clients.add(new Client(clients.size(), u, clients.size() % 2, id));
      }
    }
    try {
      connectAll(clients, c -> NODE_1);
      // all registers at once (a reconnect wave does this), then the load starts
      for (Client c : clients) {
        c.register(c.conversationAddress());
        c.register("user." + c.user.id());
        c.probe();
      }
      List<Sent> acked = new CopyOnWriteArrayList<>();
      List<String> refused = new CopyOnWriteArrayList<>();
      int total = perSecond * seconds;
      await(sendOnSchedule(clients, total, perSecond, acked, refused), seconds + 30);
      long answersBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acked.size() + refused.size() < total && System.nanoTime() < answersBy) {
        Thread.sleep(50);
      }
      long lastAck = acked.stream().mapToLong(Sent::ackedAt).max().orElse(System.nanoTime());
      sleepUntil(lastAck + TimeUnit.MILLISECONDS.toNanos(countAfterLastAckMs));

      Tally tally = Tally.of(clients, acked);
      String report = String.format("case 2 (%s; %d sockets, %d conversations of %d, %d msgs/s for %d s, counted %d ms"
          + " after the last ack):%n  %d messages acknowledged, %d refused or unanswered%s%n  %s%n  %s",
        pinning(), socketCount, socketCount / size, size, perSecond, seconds, countAfterLastAckMs, acked.size(),
        total - acked.size(), refused.isEmpty() ? "" : " (first: " + refused.get(0) + ")", tally, cluster.logs());
      System.out.println(report);
      assertEquals(total, acked.size(), report);
      assertEquals(0, tally.missing(), report);
      assertEquals(0, tally.notInEffect(), report);
      assertEquals(0, tally.duplicates(), report);
      assertEquals(0, tally.outOfOrder(), report);
      assertTrue(tally.expected() > 0, report);
    } finally {
      closeAll(clients);
    }
  }

  /**
   * Case 3, a node joins under load: members on nodes 1 and 2 send 50 messages/s in all while
   * node 3 starts; as soon as it is ready, members connect to it, register and probe. Every message
   * sent after a node-3 socket's register was in effect must reach it live, once, in seq order:
   * the other nodes' publications reach a node from the moment it takes sockets.
   */
  @Test
  @Order(3)
  void aNodeThatJoinsUnderLoadReceivesEverythingFromTheMomentItIsReady() throws Exception {
    int conversations = 10;
    int early = 10;
    int late = 3;
    List<User> users = cluster.seedAccounts("join", conversations * (early + late));
    List<Client> first = new ArrayList<>();
    List<Client> joiners = new ArrayList<>();
    for (int c = 0; c < conversations; c++) {
      List<User> members = users.subList(c * (early + late), (c + 1) * (early + late));
      String id = createConversation(members);
      for (int m = 0; m < early + late; m++) {
        Client client = new Client(first.size() + joiners.size(), members.get(m), m < early ? m % 2 : NODE_3, id);
        (m < early ? first : joiners).add(client);
      }
    }
    List<Sent> acked = new CopyOnWriteArrayList<>();
    List<String> refused = new CopyOnWriteArrayList<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    try {
      connectAll(first, c -> NODE_1);
      first.forEach(c -> {
        c.register(c.conversationAddress());
        c.probe();
      });
      long timer = sendWhile(first, 50, sending, acked, refused);
      cluster.start(NODE_3);
      connectAll(joiners, c -> NODE_1);
      joiners.forEach(c -> {
        c.register(c.conversationAddress());
        c.probe();
      });
      Thread.sleep(5_000);
      sending.set(false);
      vertx.cancelTimer(timer);
      Thread.sleep(3_000);

      Map<String, List<Sent>> byConversation = acked.stream().collect(Collectors.groupingBy(Sent::conversationId));
      long expected = 0;
      long missing = 0;
      long duplicates = 0;
      long outOfOrder = 0;
      long lateFromBefore = 0;
      long notInEffect = 0;
      for (Client c : joiners) {
        long inEffect = c.inEffectAt();
        if (inEffect == 0) {
          notInEffect++;
          continue;
        }
        Map<Long, Sent> sentBySeq = byConversation.getOrDefault(c.conversationId, List.of()).stream()
          .collect(Collectors.toMap(Sent::seq, sent -> sent, (a, b) -> a));
        Arrivals arrivals = Arrivals.of(c, sentBySeq, inEffect);
        duplicates += arrivals.duplicates();
        outOfOrder += arrivals.outOfOrder();
        lateFromBefore += arrivals.lateFromBefore();
        for (Sent sent : byConversation.getOrDefault(c.conversationId, List.of())) {
          if (sent.requestedAt() >= inEffect) {
            expected++;
            missing += arrivals.seen().contains(sent.seq()) ? 0 : 1;
          }
        }
      }
      String report = String.format("case 3 (%s): %d messages acknowledged while node 3 joined (%d refused);"
          + " at the %d sockets on node 3: %d of %d deliveries missing, %d duplicated, %d out of order (and %d"
          + " sent before the register was in effect delivered late), %d probes unanswered%n  %s", pinning(),
        acked.size(), refused.size(), joiners.size(), missing, expected, duplicates, outOfOrder, lateFromBefore,
        notInEffect, cluster.logs());
      System.out.println(report);
      assertEquals(0, refused.size(), report);
      assertEquals(0, notInEffect, report);
      assertTrue(expected > 0, report);
      assertEquals(0, missing, report);
      assertEquals(0, duplicates, report);
      assertEquals(0, outOfOrder, report);
    } finally {
      sending.set(false);
      List<Client> all = new ArrayList<>(first);
      all.addAll(joiners);
      closeAll(all);
    }
  }

  /** Sends perSecond messages a second, round robin over the clients, until told to stop; answers the timer. */
  static long sendWhile(List<Client> clients, int perSecond, AtomicBoolean go,
                        List<Sent> acked, List<String> refused) {
    long start = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    return vertx.setPeriodic(10, timer -> {
      long due = (System.nanoTime() - start) * perSecond / 1_000_000_000L + 1;
      while (go.get() && next.get() < due) {
        int k = next.getAndIncrement();
        clients.get(k % clients.size()).send("join " + k, "join-" + k)
          .onSuccess(acked::add)
          .onFailure(e -> refused.add(e.getMessage()));
      }
    });
  }

  /** Message k is due k/perSecond s from now, from socket k mod n (round robin): a fixed aggregate rate. */
  static Future<Void> sendOnSchedule(List<Client> clients, int total, int perSecond, List<Sent> acked,
                                     List<String> refused) {
    Promise<Void> allSent = Promise.promise();
    long start = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    vertx.setPeriodic(10, timer -> {
      long due = Math.min(total, (System.nanoTime() - start) * perSecond / 1_000_000_000L + 1);
      while (next.get() < due) {
        int k = next.getAndIncrement();
        clients.get(k % clients.size()).send("load " + k, "load-" + k)
          .onSuccess(acked::add)
          .onFailure(e -> refused.add(e.getMessage()));
      }
      if (next.get() >= total) {
        vertx.cancelTimer(timer);
        allSent.complete();
      }
    });
    return allSent.future();
  }

  /**
   * Deliveries over all sockets. A socket's register is "in effect" once the reply to its probe
   * (a request sent after the register) has arrived: a send requested after that moment is
   * published after the subscription, whatever the load (its acknowledgement may come later
   * still, so the ack time is not a safe bound).
   *
   * @param missing     sent after the socket's register was in effect, never received
   * @param notInEffect sockets whose probe was never answered
   */
  record Tally(long expected, long missing, long bySettle, long expectedBySettle, long notInEffect, long duplicates,
               long outOfOrder, String text) {
    static Tally of(List<Client> clients, Collection<Sent> acked) {
      Map<String, List<Sent>> byConversation = acked.stream().collect(Collectors.groupingBy(Sent::conversationId));
      Map<String, Map<Long, Sent>> bySeq = acked.stream().collect(Collectors.groupingBy(Sent::conversationId,
        Collectors.toMap(Sent::seq, s -> s)));
      long expected = 0;
      long missing = 0;
      long expectedBySettle = 0;
      long bySettle = 0;
      long notInEffect = 0;
      long duplicates = 0;
      long outOfOrder = 0;
      long outOfOrderFromOtherNode = 0;
      long lateFromBefore = 0;
      int[][] byRoute = new int[2][2];
      int[] socketsMissing = new int[2];
      Set<String> conversationsMissing = new HashSet<>();
      List<Long> sentAfterRegisterMs = new ArrayList<>();
      List<Long> inEffectAfterMs = new ArrayList<>();
      List<String> examples = new ArrayList<>();
      for (Client c : clients) {
        long inEffect = c.inEffectAt();
        if (inEffect == 0) {
          notInEffect++;
        } else {
          inEffectAfterMs.add(TimeUnit.NANOSECONDS.toMillis(inEffect - c.registerSentAt));
        }
        Arrivals arrivals = Arrivals.of(c, bySeq.getOrDefault(c.conversationId, Map.of()), inEffect);
        Set<Long> seen = arrivals.seen();
        duplicates += arrivals.duplicates();
        outOfOrder += arrivals.outOfOrder();
        outOfOrderFromOtherNode += arrivals.outOfOrderFromOtherNode();
        lateFromBefore += arrivals.lateFromBefore();
        List<Long> missed = new ArrayList<>();
        for (Sent s : byConversation.getOrDefault(c.conversationId, List.of())) {
          if (s.ackedAt() >= c.registerSentAt + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS)) {
            expectedBySettle++;
            bySettle += seen.contains(s.seq()) ? 0 : 1;
          }
          if (inEffect == 0 || s.requestedAt() < inEffect) {
            continue;
          }
          expected++;
          if (!seen.contains(s.seq())) {
            missing++;
            missed.add(s.seq());
            byRoute[s.senderNode()][c.node]++;
            sentAfterRegisterMs.add(TimeUnit.NANOSECONDS.toMillis(s.requestedAt() - c.registerSentAt));
          }
        }
        if (!missed.isEmpty()) {
          socketsMissing[c.node]++;
          conversationsMissing.add(c.conversationId);
          if (examples.size() < 6) {
            examples.add("socket " + c.index + " (node " + (c.node + 1) + ") seqs " + ranges(missed));
          }
        }
      }
      String text = String.format("%,d of %,d deliveries missing (messages sent after the receiving socket's register was"
          + " in effect), %d duplicated, %d out of order (%d of them sent from the other node; and %d sent before the"
          + " register was in effect delivered late); %d sockets missed"
          + " messages (node 1: %d, node 2: %d) in %d"
          + " conversations%n  missing by route (sender's node -> receiver's node): 1->1 %d, 1->2 %d, 2->1 %d, 2->2 %d;"
          + " the missed were sent %s ms after the receiver's register frame%n  registers in effect (probe answered) %s ms"
          + " after the frame; %d probes never answered%n  by the brief's criterion (acked from"
          + " %d ms after the register frame): %,d of %,d missing%n  e.g. %s",
        missing, expected, duplicates, outOfOrder, outOfOrderFromOtherNode, lateFromBefore,
        socketsMissing[0] + socketsMissing[1],
        socketsMissing[0],
        socketsMissing[1], conversationsMissing.size(), byRoute[0][0], byRoute[0][1], byRoute[1][0], byRoute[1][1],
        range(sentAfterRegisterMs), range(inEffectAfterMs), notInEffect, SETTLE_MS, bySettle, expectedBySettle,
        examples.isEmpty() ? "-" : String.join("; ", examples));
      return new Tally(expected, missing, bySettle, expectedBySettle, notInEffect, duplicates, outOfOrder, text);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * What one socket received, in arrival order: the distinct seqs, repeats, and seqs that came
   * after a higher one. Out of order counts only messages sent once the socket's register was in
   * effect: the guarantee's messages. One committed before its node asked where the conversation
   * stood, whose event comes late, is delivered once after later ones (Sequencer: order yields to
   * completeness there); those are counted apart, as late from before.
   */
  record Arrivals(Set<Long> seen, long duplicates, long outOfOrder, long outOfOrderFromOtherNode, long lateFromBefore) {
    static Arrivals of(Client c, Map<Long, Sent> sentBySeq, long inEffect) {
      Set<Long> seen = new HashSet<>();
      long duplicates = 0;
      long outOfOrder = 0;
      long fromOtherNode = 0;
      long lateFromBefore = 0;
      long highest = 0;
      for (long seq : c.seqsInArrivalOrder()) {
        if (!seen.add(seq)) {
          duplicates++;
        } else if (seq < highest) {
          Sent late = sentBySeq.get(seq);
          if (late != null && inEffect != 0 && late.requestedAt() >= inEffect) {
            outOfOrder++;
            fromOtherNode += late.senderNode() != c.node ? 1 : 0;
          } else {
            lateFromBefore++;
          }
        }
        highest = Math.max(highest, seq);
      }
      return new Arrivals(seen, duplicates, outOfOrder, fromOtherNode, lateFromBefore);
    }
  }

  /** A stored message as its sender's reply showed it: when the send was written and when the reply came. */
  record Sent(String conversationId, long seq, int senderNode, long requestedAt, long ackedAt) {
  }

  /** One test socket on /eventbus/websocket: replies matched by replyAddress, message seqs recorded as they arrive. */
  static final class Client {
    final int index;
    final User user;
    final int node;
    final String conversationId;
    volatile WebSocket ws;
    volatile long registerSentAt;
    private long inEffectAt;
    private final List<Long> seqs = new ArrayList<>();
    private final Map<Long, Long> firstArrival = new HashMap<>();
    private final Map<String, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    Client(int index, User user, int node, String conversationId) {
      this.index = index;
      this.user = user;
      this.node = node;
      this.conversationId = conversationId;
    }

    String conversationAddress() {
      return "conversation." + conversationId;
    }

    void opened(WebSocket ws) {
      this.ws = ws;
      // Thrume answers in binary messages
      ws.binaryMessageHandler(this::onFrame);
      ws.textMessageHandler(text -> onFrame(Buffer.buffer(text)));
      ws.closeHandler(v -> pending.values().forEach(p -> p.tryFail("socket " + index + " closed")));
    }

    private void onFrame(Buffer buffer) {
      long now = System.nanoTime();
      JsonObject frame = buffer.toJsonObject();
      String address = frame.getString("address", "");
      Promise<JsonObject> reply = pending.remove(address);
      if (reply != null) {
        if ("rec".equals(frame.getString("type"))) {
          reply.tryComplete(frame.getJsonObject("body"));
        } else {
          reply.tryFail(frame.getString("message"));
        }
        return;
      }
      JsonObject body = frame.getJsonObject("body");
      if (!"rec".equals(frame.getString("type")) || !address.equals(conversationAddress()) || body == null) {
        return;
      }
      synchronized (this) {
        String type = body.getString("type", "");
        if ("message".equals(type)) {
          long seq = body.getJsonObject("message").getLong("seq");
          seqs.add(seq);
          firstArrival.putIfAbsent(seq, now);
        }
      }
    }

    /** Writes a register frame; the first one's time is the socket's {@link #registerSentAt}. */
    void register(String address) {
      if (registerSentAt == 0) {
        registerSentAt = System.nanoTime();
      }
      ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
    }

    Future<Sent> send(String content, String clientMessageId) {
      long requestedAt = System.nanoTime();
      return request("chat.send", new JsonObject().put("conversationId", conversationId).put("content", content)
          .put("clientMessageId", clientMessageId))
        .map(m -> new Sent(conversationId, m.getLong("seq"), node, requestedAt, System.nanoTime()));
    }

    /** A request after the registers: its reply shows they are in effect. */
    void probe() {
      request("presence.watch", new JsonObject().put("userIds", new JsonArray())).onSuccess(v -> {
        synchronized (this) {
          inEffectAt = System.nanoTime();
        }
      });
    }

    private Future<JsonObject> request(String address, JsonObject body) {
      String replyAddress = "~r" + index + "." + requests.incrementAndGet();
      Promise<JsonObject> reply = Promise.promise();
      pending.put(replyAddress, reply);
      ws.writeTextMessage(new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", replyAddress).encode());
      return reply.future();
    }

    void ping() {
      WebSocket s = ws;
      if (s != null && !s.isClosed()) {
        s.writeTextMessage("{\"type\":\"ping\"}");
      }
    }

    synchronized long inEffectAt() {
      return inEffectAt;
    }

    /** Had the register demonstrably taken effect (probe answered) before this moment? */
    synchronized boolean inEffectBefore(long nanos) {
      return inEffectAt != 0 && inEffectAt < nanos;
    }

    synchronized List<Long> seqsInArrivalOrder() {
      return List.copyOf(seqs);
    }

    synchronized Map<Long, Long> arrivals() {
      return Map.copyOf(firstArrival);
    }
  }

  /**
   * Opens every client's socket, at most 50 handshakes in flight: a ticket bought on the node
   * {@code ticketNode} names, then the socket on the client's own node. Registers nothing.
   */
  static void connectAll(List<Client> clients, Function<Client, Integer> ticketNode) throws Exception {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= clients.size()) {
        return;
      }
      Client c = clients.get(i);
      connect(c, cluster.httpPorts[ticketNode.apply(c)]).onComplete(ar -> {
        if (ar.succeeded()) {
          open.add(c);
        } else {
          failures.add("socket " + c.index + ": " + ar.cause());
        }
        if (finished.incrementAndGet() == clients.size()) {
          done.complete();
        } else {
          launch[0].run();
        }
      });
    };
    vertx.runOnContext(v -> {
      for (int i = 0; i < 50; i++) {
        launch[0].run();
      }
    });
    await(done.future(), 300);
    assertTrue(failures.isEmpty(), () -> failures.size() + " sockets did not connect, e.g. " + failures.get(0) + "\n"
      + cluster.logs());
  }

  static Future<Void> connect(Client c, int ticketPort) {
    int port = cluster.httpPorts[c.node];
    return web.post(ticketPort, "127.0.0.1", "/api/realtime/ticket").putHeader("Authorization", "Bearer " + c.user.token())
      .timeout(60_000).send()
      .compose(r -> r.statusCode() == 200 ? Future.succeededFuture(r.bodyAsJsonObject().getString("ticket"))
        : Future.failedFuture("ticket: " + r.statusCode() + " " + r.bodyAsString()))
      .compose(ticket -> sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/eventbus/websocket?ticket=" + ticket)))
      .map(ws -> {
        c.opened(ws);
        return null;
      });
  }

  /** Closes the sockets and waits until both nodes have let them go (presence, viewers, consumers). */
  static void closeAll(List<Client> clients) throws Exception {
    for (Client c : clients) {
      open.remove(c);
      WebSocket ws = c.ws;
      if (ws != null) {
        ws.close();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && (metric(NODE_1, "thrume_sockets_open") > 0
      || metric(NODE_2, "thrume_sockets_open") > 0 || (cluster.nodes[NODE_3] != null && metric(NODE_3, "thrume_sockets_open") > 0))) {
      Thread.sleep(200);
    }
    // past the offline grace, with time for the offline work (last seen, presence events)
    Thread.sleep(3_000);
  }

  /** A fresh conversation of these members, created over REST on node 1 by the first of them. */
  static String createConversation(List<User> members) {
    return new RestClient(vertx, cluster.httpPorts[NODE_1], null)
      .conversation(members.get(0), members.subList(1, members.size()).toArray(User[]::new));
  }

  static String pinning() {
    return cluster.isPinned() ? "nodes pinned to CPU " + CPUS : "nodes not pinned";
  }

  static String consumersPerNode() throws Exception {
    return "node 1: " + (long) metric(NODE_1, "thrume_fanout_topics") + ", node 2: "
      + (long) metric(NODE_2, "thrume_fanout_topics");
  }

  static double metric(int node, String name) throws Exception {
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
      .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.httpPorts[node] + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.body().lines().filter(l -> l.startsWith(name + " "))
      .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
  }

  static <T> T await(Future<T> future, int seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  /** "min–max (median m)" of some milliseconds, "-" when there are none. */
  static String range(List<Long> ms) {
    if (ms.isEmpty()) {
      return "-";
    }
    long[] sorted = ms.stream().mapToLong(Long::longValue).sorted().toArray();
    return sorted[0] + "–" + sorted[sorted.length - 1] + " (median " + sorted[sorted.length / 2] + ")";
  }

  /** Seqs as runs: [1–20, 23, 25–26]. */
  static String ranges(List<Long> seqs) {
    long[] sorted = seqs.stream().mapToLong(Long::longValue).sorted().toArray();
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < sorted.length; ) {
      int j = i;
      while (j + 1 < sorted.length && sorted[j + 1] == sorted[j] + 1) {
        j++;
      }
      runs.add(i == j ? Long.toString(sorted[i]) : sorted[i] + "–" + sorted[j]);
      i = j + 1;
    }
    return runs.toString();
  }
}

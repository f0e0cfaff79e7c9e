package io.thrume.faults;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import static io.thrume.faults.Waits.awaitCondition;
import static io.thrume.faults.Waits.liveSeqs;
import static io.thrume.faults.Waits.ms;
import static io.thrume.faults.Waits.pause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, item 1: {@code kill -9} of the node the senders use. Three Thrume JVMs in a Hazelcast
 * cluster on one PostgreSQL, with the real heartbeat settings (cluster.xml: a member silent for
 * 4 s is dead) and the real presence graces (presence.deadNodeGraceMs 4 s, offlineGraceMs 10 s).
 * Only the send limit is lifted: the senders send without pause and must not be told RATE_LIMITED
 * instead of what this test is about.
 *
 * <p>{@code -Dthrume.faults.cpus=0} pins the nodes to one CPU ({@code taskset}), where races show;
 * unset, they run unpinned.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SenderNodeKillTest {
  static final String CPUS = System.getProperty("thrume.faults.cpus", "");
  static final int NODE_A = 0;
  static final int NODE_B = 1;
  static final int NODE_C = 2;
  static final int SENDERS = 3;
  static final Pattern RETRY_AFTER = Pattern.compile("retry after (\\d+) s");
  static ThrumeCluster cluster;
  static final List<BridgeClient> open = new CopyOnWriteArrayList<>();
  static long pinger;

  @BeforeAll
  static void start() throws Exception {
    JsonObject relaxed = new JsonObject().put("chat", new JsonObject().put("sendBurst", 1_000_000)
      .put("sendPerSecond", 1_000_000.0));
    cluster = new ThrumeCluster(3, relaxed, ThrumeCluster.pinnedTo(CPUS));
    System.out.println("SenderNodeKillTest: " + (cluster.isPinned() ? "nodes pinned to CPU " + CPUS : "nodes not pinned")
      + "; " + cluster.logs());
    // clients ping like the web client (a socket silent for 30 s is closed)
    pinger = cluster.vertx.setPeriodic(10_000, id -> open.forEach(s -> {
      if (!s.isClosed()) {
        s.ws.writeTextMessage("{\"type\":\"ping\"}");
      }
    }));
  }

  @AfterAll
  static void stop() throws Exception {
    open.forEach(BridgeClient::close);
    if (cluster != null) {
      cluster.vertx.cancelTimer(pinger);
      cluster.close();
    }
  }

  static BridgeClient connect(int node, User user) {
    BridgeClient socket = cluster.connect(node, user.token());
    open.add(socket);
    return socket;
  }

  /**
   * A message its node committed but never published (it died in between: here the commit is made
   * by SQL and nobody publishes) is sent again by its client, with its clientMessageId, to another
   * node: the answer is the stored message, and the live members on every node get it within 2 s.
   */
  @Test
  @Order(1)
  void aRepeatOfAMessageCommittedButNeverPublishedReachesTheLiveMembersOfEveryNode() throws Exception {
    List<User> users = cluster.seedAccounts("repeat", 4);
    User sender = users.get(0);
    String id = conversation(sender, users);
    String address = "conversation." + id;
    List<BridgeClient> members = List.of(connect(NODE_A, users.get(1)), connect(NODE_B, users.get(2)),
      connect(NODE_C, users.get(3)));
    members.forEach(m -> m.registerInEffect(address));
    JsonObject first = cluster.rest(NODE_A).sendMessage(sender, id, "published", "r-1").json();
    for (BridgeClient m : members) {
      assertEquals(first, m.event(address, "message").getJsonObject("message"));
    }

    // what a node that died right after its commit leaves behind
    try (Connection c = cluster.jdbc()) {
      c.setAutoCommit(false);
      try (PreparedStatement advance = c.prepareStatement(
             "UPDATE conversation SET last_seq = last_seq + 1 WHERE id = ?::uuid RETURNING last_seq");
           PreparedStatement insert = c.prepareStatement("INSERT INTO message (conversation_id, seq, sender_id, content, "
             + "client_message_id) VALUES (?::uuid, ?, ?::uuid, 'committed, never published', 'r-2')")) {
        advance.setString(1, id);
        ResultSet rs = advance.executeQuery();
        rs.next();
        insert.setString(1, id);
        insert.setLong(2, rs.getLong(1));
        insert.setString(3, sender.id());
        insert.executeUpdate();
      }
      c.commit();
    }
    assertTrue(members.stream().allMatch(m -> m.poll(BridgeClient.isEvent(address, "message"), Duration.ofMillis(300)) == null),
      "nobody was told yet");

    RestClient.Response again = cluster.rest(NODE_C).sendMessage(sender, id, "committed, never published", "r-2");
    long answered = System.nanoTime();
    assertEquals(200, again.status(), "a repeat: " + again);
    assertEquals(2, again.json().getLong("seq"));
    for (BridgeClient m : members) {
      JsonObject event = m.poll(BridgeClient.isEvent(address, "message"), Duration.ofMillis(2_000));
      assertNotNull(event, "the repeat reaches a member on every node within 2 s; " + cluster.logs());
      assertEquals(again.json(), event.getJsonObject("body").getJsonObject("message"));
    }
    System.out.println("SenderNodeKillTest: a repeat reached every node's member " + (System.nanoTime() - answered) / 1_000_000
      + " ms after its answer");
    // and only once: a further repeat is dropped by every node (by seq), and so is the first message's
    cluster.rest(NODE_B).sendMessage(sender, id, "committed, never published", "r-2");
    cluster.rest(NODE_A).sendMessage(sender, id, "published", "r-1");
    for (BridgeClient m : members) {
      assertEquals(null, m.poll(BridgeClient.isEvent(address, "message"), Duration.ofMillis(500)), "no duplicate");
    }
  }

  /** What one sender saw. */
  static final class Sender {
    final User user;
    volatile BridgeClient socket;
    final Map<String, Long> acked = Collections.synchronizedMap(new TreeMap<>());
    /** clientMessageIds acknowledged by node B. */
    final List<String> ackedByB = Collections.synchronizedList(new ArrayList<>());
    final List<String> unanswered = Collections.synchronizedList(new ArrayList<>());
    final List<String> unavailable = Collections.synchronizedList(new ArrayList<>());
    final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    volatile int node = NODE_B;
    volatile long reconnectedAfterMs = -1;

    Sender(User user) {
      this.user = user;
    }
  }

  /**
   * Senders on node B send one message after another, each until it is answered; B is killed. A
   * send that got no answer is sent again, same clientMessageId, on node A (the sender reconnects
   * there at once). Observers on A and C watch the conversation and everyone's presence; a user of
   * B comes back on C after 3 s, another never.
   */
  @Test
  @Order(2)
  void killingTheSendersNodeLosesAndDoublesNothingAndShowsOnlyTheGoneOffline() throws Exception {
    List<User> users = cluster.seedAccounts("kill", SENDERS + 5);
    List<User> senderUsers = users.subList(0, SENDERS);
    User returner = users.get(SENDERS);
    User leaver = users.get(SENDERS + 1);
    User watcherA = users.get(SENDERS + 2);
    User watcherC = users.get(SENDERS + 3);
    Sender overRest = new Sender(users.get(SENDERS + 4));
    String id = conversation(watcherA, users);
    String address = "conversation." + id;

    List<Sender> senders = new ArrayList<>();
    for (User u : senderUsers) {
      Sender s = new Sender(u);
      // on B they only send (their sockets on A register the conversation: what they receive there is checked)
      s.socket = connect(NODE_B, u);
      senders.add(s);
    }
    BridgeClient returnerOnB = connect(NODE_B, returner);
    returnerOnB.registerInEffect(address);
    BridgeClient leaverOnB = connect(NODE_B, leaver);
    leaverOnB.registerInEffect(address);
    JsonArray watched = new JsonArray();
    users.subList(0, SENDERS + 2).forEach(u -> watched.add(u.id()));
    BridgeClient onA = watcher(NODE_A, watcherA, address, watched);
    BridgeClient onC = watcher(NODE_C, watcherC, address, watched);

    AtomicBoolean sending = new AtomicBoolean(true);
    long started = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (Sender s : senders) {
      Thread t = new Thread(() -> send(s, id, sending, started));
      t.start();
      threads.add(t);
    }
    Thread restThread = new Thread(() -> sendOverRest(overRest, id, sending, started));
    restThread.start();
    threads.add(restThread);
    List<Sender> everySender = new ArrayList<>(senders);
    everySender.add(overRest);
    try {
      Thread.sleep(3_000);
      cluster.nodes[NODE_B].kill();
      long killedAt = ms(started);
      Thread.sleep(3_000);
      BridgeClient returnerOnC = connect(NODE_C, returner);
      returnerOnC.registerInEffect(address);
      long returnedAt = ms(started);

      // the one who never came back goes offline, for the watchers on both surviving nodes
      JsonObject offlineA = onA.await(offline(watcherA, leaver.id()), Duration.ofSeconds(20));
      long offlineAtA = ms(started) - killedAt;
      JsonObject offlineC = onC.await(offline(watcherC, leaver.id()), Duration.ofSeconds(5));
      long offlineAtC = ms(started) - killedAt;
      assertNotNull(offlineA);
      assertNotNull(offlineC);
      // the graces are over (B is dead and cleaned): nobody else showed offline meanwhile, nor does now
      Thread.sleep(1_000);
      sending.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }

      int acked = everySender.stream().mapToInt(s -> s.acked.size()).sum();
      int ackedByB = everySender.stream().mapToInt(s -> s.ackedByB.size()).sum();
      int unanswered = everySender.stream().mapToInt(s -> s.unanswered.size()).sum();
      int unavailable = everySender.stream().mapToInt(s -> s.unavailable.size()).sum();
      String figures = "killed at " + killedAt + " ms; " + acked + " acknowledged (" + ackedByB + " by B; " + overRest.acked.size()
        + " over REST), " + unanswered + " unanswered and sent again elsewhere (" + overRest.unanswered.size() + " over REST), " + unavailable + " refused UNAVAILABLE; senders back on A "
        + senders.stream().map(s -> (s.reconnectedAfterMs - killedAt) + " ms").toList() + " after the kill; returner back on C at "
        + (returnedAt - killedAt)
        + " ms after the kill; the leaver offline at A " + offlineAtA + " ms, at C " + offlineAtC + " ms after the kill";
      System.out.println("SenderNodeKillTest: " + figures);
      String context = figures + "\n" + cluster.logs();
      for (Sender s : everySender) {
        assertTrue(s.unexpected.isEmpty(), "answers: " + s.unexpected + "\n" + context);
      }
      assertFalse(overRest.ackedByB.isEmpty() || overRest.acked.size() == overRest.ackedByB.size(),
        "the REST sender sent through B, then elsewhere: " + context);
      assertTrue(offlineAtA <= 10_000 && offlineAtC <= 10_000, "offline within 10 s of the kill: " + context);

      // nothing acknowledged lost, nothing doubled, no seq gap
      Map<String, Long> all = new TreeMap<>();
      everySender.forEach(s -> all.putAll(s.acked));
      List<Long> seqs = new ArrayList<>();
      try (Connection c = cluster.jdbc();
           ResultSet rs = c.createStatement().executeQuery("SELECT client_message_id, seq FROM message "
             + "WHERE conversation_id = '" + id + "' ORDER BY seq")) {
        while (rs.next()) {
          assertEquals(all.get(rs.getString(1)), rs.getLong(2), "stored as acknowledged: " + rs.getString(1) + "; " + context);
          seqs.add(rs.getLong(2));
        }
      }
      List<Long> expected = LongStream.rangeClosed(1, all.size()).boxed().toList();
      assertEquals(expected, seqs, "every acknowledged message stored once, seqs gap-free; " + context);

      // every surviving member received each once, live: the watchers, the senders since they
      // moved (from their reconnection on), the returner since it came back
      for (BridgeClient w : List.of(onA, onC)) {
        awaitCondition(() -> liveSeqs(w, address).size() >= expected.size(), Duration.ofSeconds(10),
          "a watcher receives every message: " + context);
        assertEquals(expected, liveSeqs(w, address), "each once, in order: " + context);
      }
      for (Sender s : senders) {
        List<Long> got = liveSeqs(s.socket, address);
        assertEquals(got.stream().distinct().count(), got.size(), "a sender's new socket has each once: " + got);
      }

      // presence: only the leaver went offline; the senders (back at once) and the returner (back
      // within the grace) never showed offline; the watchers' sockets stayed open
      for (BridgeClient w : List.of(onA, onC)) {
        List<JsonObject> changes = presenceChanges(w);
        List<JsonObject> flaps = changes.stream().filter(e -> !e.getBoolean("online")
          && !leaver.id().equals(e.getString("userId"))).toList();
        assertTrue(flaps.isEmpty(), "no offline flap: " + flaps + "; " + context);
        assertFalse(w.isClosed(), "a watcher on a surviving node stays connected: " + context);
      }
      assertTrue(cluster.nodes[NODE_A].process.isAlive() && cluster.nodes[NODE_C].process.isAlive());
    } finally {
      sending.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }
    }
  }

  /** A socket on a node that registered the conversation and its user address and watches everyone's presence. */
  static BridgeClient watcher(int node, User user, String address, JsonArray watched) {
    BridgeClient socket = connect(node, user);
    socket.register("user." + user.id());
    socket.registerInEffect(address);
    // the others' connections reach the shared state a moment after they were accepted
    for (int tries = 0; ; tries++) {
      JsonObject states = socket.call("presence.watch", new JsonObject().put("userIds", watched));
      if (watched.stream().allMatch(u -> states.getJsonObject((String) u).getBoolean("online"))) {
        return socket;
      }
      assertTrue(tries < 20, "everyone online within 10 s: " + states);
      pause(500);
    }
  }

  /** One message after the other, each until answered; no answer (its node died): again, same id, on node A. */
  static void send(Sender s, String conversationId, AtomicBoolean sending, long started) {
    for (int i = 0; sending.get(); i++) {
      String clientMessageId = s.user.username() + "-" + i;
      while (true) {
        BridgeClient socket = s.socket;
        JsonObject answer = sendAndAwait(socket, new JsonObject().put("conversationId", conversationId)
          .put("content", "message " + i).put("clientMessageId", clientMessageId));
        if (answer == null) {
          // the node is gone: to another one at once, and send it again
          s.unanswered.add(clientMessageId);
          try {
            s.socket = connect(NODE_A, s.user);
            s.socket.registerInEffect("conversation." + conversationId);
          } catch (RuntimeException | AssertionError e) {
            s.unexpected.add(clientMessageId + ": could not reconnect: " + e);
            return;
          }
          s.node = NODE_A;
          s.reconnectedAfterMs = ms(started);
          continue;
        }
        if ("rec".equals(answer.getString("type"))) {
          s.acked.put(clientMessageId, answer.getJsonObject("body").getLong("seq"));
          if (s.node == NODE_B) {
            s.ackedByB.add(clientMessageId);
          }
          pause(10);
          break;
        }
        String message = answer.getString("message", "");
        Matcher retryAfter = RETRY_AFTER.matcher(message);
        if (answer.getInteger("failureCode", 0) != 503 || !retryAfter.find()) {
          s.unexpected.add(clientMessageId + ": " + answer);
          return;
        }
        s.unavailable.add(clientMessageId);
        pause(Long.parseLong(retryAfter.group(1)) * 1000);
      }
    }
  }

  /** The same over REST: no answer (the connection failed), again on node A; a 503 must carry a Retry-After. */
  static void sendOverRest(Sender s, String conversationId, AtomicBoolean sending, long started) {
    RestClient toB = cluster.rest(NODE_B);
    RestClient toA = cluster.rest(NODE_A);
    for (int i = 0; sending.get(); i++) {
      String clientMessageId = s.user.username() + "-" + i;
      while (true) {
        int node = s.node;
        RestClient.Response r;
        try {
          r = (node == NODE_B ? toB : toA).sendMessage(s.user, conversationId, "message " + i, clientMessageId);
        } catch (RuntimeException e) {
          s.unanswered.add(clientMessageId);
          if (node == NODE_A) {
            s.unexpected.add(clientMessageId + ": node A did not answer: " + e);
            return;
          }
          s.node = NODE_A;
          s.reconnectedAfterMs = ms(started);
          continue;
        }
        if (r.status() == 201 || r.status() == 200) {
          s.acked.put(clientMessageId, r.json().getLong("seq"));
          if (node == NODE_B) {
            s.ackedByB.add(clientMessageId);
          }
          pause(10);
          break;
        }
        if (r.status() != 503 || r.header("Retry-After") == null) {
          s.unexpected.add(clientMessageId + ": " + r.status() + " Retry-After " + r.header("Retry-After") + " " + r);
          return;
        }
        s.unavailable.add(clientMessageId);
        pause(Long.parseLong(r.header("Retry-After")) * 1000);
      }
    }
  }

  /** The rec or err frame answering a chat.send, or null when the socket closed (or stayed silent 10 s). */
  static JsonObject sendAndAwait(BridgeClient socket, JsonObject body) {
    String replyAddress = UUID.randomUUID().toString();
    try {
      socket.sendFrame(new JsonObject().put("type", "send").put("address", "chat.send").put("body", body)
        .put("replyAddress", replyAddress));
    } catch (RuntimeException e) {
      return null;
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      JsonObject answer = socket.poll(f -> replyAddress.equals(f.getString("address")), Duration.ofMillis(100));
      if (answer != null) {
        return answer;
      }
      if (socket.isClosed()) {
        return socket.poll(f -> replyAddress.equals(f.getString("address")), Duration.ofMillis(1));
      }
    }
    return null;
  }

  static String conversation(User creator, List<User> users) {
    JsonArray ids = new JsonArray();
    users.stream().filter(u -> !u.equals(creator)).forEach(u -> ids.add(u.id()));
    RestClient.Response r = cluster.rest(NODE_A).post("/api/conversations", creator.token(),
      new JsonObject().put("participantIds", ids));
    assertEquals(201, r.status(), r.toString());
    String id = r.json().getString("id");
    // people put into a conversation are invited until they accept; accepted, they see each other's presence
    for (User u : users) {
      if (!u.equals(creator)) {
        RestClient.Response accepted = cluster.rest(NODE_A).accept(u, id);
        assertEquals(200, accepted.status(), accepted.toString());
      }
    }
    return id;
  }

  static java.util.function.Predicate<JsonObject> offline(User watcher, String userId) {
    return f -> BridgeClient.isEvent("user." + watcher.id(), "presence").test(f)
      && userId.equals(f.getJsonObject("body").getString("userId")) && !f.getJsonObject("body").getBoolean("online");
  }

  static List<JsonObject> presenceChanges(BridgeClient socket) {
    synchronized (socket.received) {
      return socket.received.stream().filter(f -> "rec".equals(f.getString("type")) && f.getJsonObject("body") != null
        && "presence".equals(f.getJsonObject("body").getString("type"))).map(f -> f.getJsonObject("body")).toList();
    }
  }
}

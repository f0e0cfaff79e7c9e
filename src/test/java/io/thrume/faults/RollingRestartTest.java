package io.thrume.faults;

import io.thrume.support.RestClient.User;
import io.thrume.support.ThrumeCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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
  static ThrumeCluster cluster;
  static Balancer balancer;
  static final List<CarefulClient> members = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    JsonObject relaxed = new JsonObject().put("chat", new JsonObject().put("sendBurst", 1_000_000)
      .put("sendPerSecond", 1_000_000.0));
    cluster = new ThrumeCluster(NODES, relaxed, ThrumeCluster.pinnedTo(CPUS));
    System.out.println("RollingRestartTest: " + (cluster.isPinned() ? "nodes pinned to CPU " + CPUS : "nodes not pinned")
      + "; " + cluster.logs());
    balancer = new Balancer(cluster.vertx, cluster.httpPorts, USERS * 2);
  }

  @AfterAll
  static void stop() throws Exception {
    members.forEach(CarefulClient::stop);
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Where the returns spent their time: each step's median and maximum over the sockets. */
  static String steps(List<CarefulClient> returned) {
    String[] names = {"ticket", "upgrade", "registers to watch answer", "registers to sync answer"};
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      int step = i;
      long[] ms = returned.stream().mapToLong(m -> m.backSteps[step]).sorted().toArray();
      out.append(names[i]).append(' ').append(ms[ms.length / 2]).append(" / ").append(ms[ms.length - 1]).append("; ");
    }
    // by the node they came back to: a node restarted a moment before is still compiling its hot paths
    Map<Integer, List<CarefulClient>> byNode = new java.util.TreeMap<>();
    returned.forEach(m -> byNode.computeIfAbsent(m.node, k -> new ArrayList<>()).add(m));
    byNode.forEach((node, those) -> {
      long[] ms = those.stream().mapToLong(m -> m.backSteps[3]).sorted().toArray();
      out.append("back on node ").append(node).append(": ").append(those.size()).append(" sockets, registers to sync answer ")
        .append(ms[ms.length / 2]).append(" / ").append(ms[ms.length - 1]).append("; ");
    });
    return out.toString();
  }

  @Test
  void aRollingRestartUnderLoadLosesNothingDoublesNothingAndShowsNobodyOffline() throws Exception {
    List<User> users = cluster.seedAccounts("roll", USERS);
    for (int c = 0; c < USERS / MEMBERS; c++) {
      List<User> group = users.subList(c * MEMBERS, (c + 1) * MEMBERS);
      String id = cluster.rest(0).acceptedConversation(group.get(0), group.subList(1, MEMBERS).toArray(User[]::new));
      for (User u : group) {
        members.add(new CarefulClient(cluster.vertx, balancer, u, id,
          group.stream().filter(o -> !o.equals(u)).map(User::id).toList(), PER_USER_PER_SECOND));
      }
    }
    members.forEach(CarefulClient::connect);
    await(() -> members.stream().allMatch(m -> m.connected), 60, () -> "every socket connected: "
      + members.stream().filter(m -> !m.connected).map(CarefulClient::describe).limit(5).toList());
    // from here on, everyone is online for good: an offline state anyone sees is a flap
    awaitCondition(() -> members.stream().allMatch(CarefulClient::seesEveryoneOnline), java.time.Duration.ofSeconds(30),
      "everyone sees everyone online");
    members.forEach(CarefulClient::startWatchingForFlaps);

    long started = System.nanoTime();
    members.forEach(CarefulClient::startSending);
    pause(5_000);
    long[] steady = {acked()};
    List<String> restarts = new ArrayList<>();
    for (int node = 0; node < NODES; node++) {
      int n = node;
      List<CarefulClient> onIt = members.stream().filter(m -> m.node == n && m.connected).toList();
      balancer.down(node);
      long term = System.nanoTime();
      onIt.forEach(m -> m.goingAway(term));
      int exit = cluster.nodes[node].terminate();
      long exited = ms(term);
      cluster.start(node);
      long ready = ms(term);
      balancer.up(node);
      await(() -> onIt.stream().allMatch(m -> m.backAfterMs >= 0 || !m.cut.isEmpty()), 30,
        () -> "the sockets of node " + n + " come back: " + onIt.stream().filter(m -> m.backAfterMs < 0).map(CarefulClient::describe)
          .limit(5).toList());
      CarefulClient slowest = onIt.stream().max(java.util.Comparator.comparingLong(m -> m.backAfterMs)).orElseThrow();
      restarts.add("node " + node + ": " + onIt.size() + " sockets; exit " + exit + " after " + exited + " ms; ready again after "
        + ready + " ms; its sockets back within " + slowest.backAfterMs + " ms (the slowest: " + slowest.backTimeline + ")"
        + "; steps over its sockets, median / max ms: " + steps(onIt));
      onIt.forEach(CarefulClient::backAgain);
      pause(5_000);
    }
    long seconds = ms(started) / 1000;
    members.forEach(CarefulClient::stopSending);
    awaitCondition(() -> members.stream().allMatch(m -> m.inFlight == null), java.time.Duration.ofSeconds(20),
      "every send answered");
    long ackedTotal = acked();
    String figures = ackedTotal + " acknowledged in " + seconds + " s (" + (ackedTotal / Math.max(1, seconds))
      + " msgs/s; " + steady[0] / 5 + " msgs/s before the first restart); " + sum(m -> m.resent.get()) + " sent again on another socket, "
      + sum(m -> m.unavailable.get()) + " refused UNAVAILABLE; " + String.join("; ", restarts);
    figures += "; sockets the nodes (as they are now) closed as slow: " + slowClosed();
    System.out.println("RollingRestartTest: " + figures);
    String context = figures + "\n" + cluster.logs();

    for (CarefulClient m : members) {
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
    for (CarefulClient m : members) {
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

  /** Each node's thrume_sockets_slow_closed_total: a socket dropped as slow is cut, not told (1006). */
  static String slowClosed() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      String text = cluster.rest(i).get("/metrics", null).body().toString();
      out.add(text.lines().filter(l -> l.startsWith("thrume_sockets_slow_closed_total")).map(l -> l.substring(l.lastIndexOf(' ') + 1))
        .findFirst().orElse("?"));
    }
    return String.join(" / ", out);
  }

  static long acked() {
    return sum(m -> m.acked.size());
  }

  static long sum(java.util.function.ToLongFunction<CarefulClient> f) {
    return members.stream().mapToLong(f).sum();
  }
}

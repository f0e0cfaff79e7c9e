package io.thrume.presence;

import io.thrume.bus.Addresses;
import io.thrume.bus.Local;
import io.thrume.fanout.Events;
import io.thrume.model.Timestamps;
import io.thrume.presence.SharedEntries.Change;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who is online. This node keeps its own connections per user; the shared entry of a user
 * (userId → {nodes: {nodeId: "online" | "away"}, lastSeen, v}) lists the nodes the user is
 * connected to and changes only at a user's transitions on a node: first connection here, last
 * one gone (after the offline grace), or this node's status flipping. A reconnect to the same node
 * within the grace changes nothing shared at all.
 * <ul>
 *   <li>A user is online while any node lists them; "online" if any node says so, else "away".</li>
 *   <li>A change of that is published once, to every node's presence service, which hands it to
 *   the sockets that watch the user ({@code presence.watch}).</li>
 *   <li>The per-user connection limit counts every node's connections: when the user is connected
 *   elsewhere too, this node asks those nodes for theirs (an event-bus request, not shared state).</li>
 * </ul>
 * Used on the presence verticle's context only.
 */
final class OnlineUsers {
  static final String MAP = "thrume.presence";
  private static final Logger LOG = LoggerFactory.getLogger(OnlineUsers.class);
  private static final long RETRY_MS = 1000;
  private final Vertx vertx;
  private final EventBus bus;
  private final PresenceConfig config;
  private final String nodeId;
  private final SharedEntries entries;
  private final Map<String, LocalUser> users = new HashMap<>();
  /** When the last connection here opened: each one later than the one before, so "oldest" is never a tie here. */
  private long lastOpenedAt;

  private static final class Connection {
    final String id;
    final long at;
    String status = "online";

    Connection(String id, long at) {
      this.id = id;
      this.at = at;
    }
  }

  /** A user's connections on this node, and what the shared entry says of this node. */
  private static final class LocalUser {
    final List<Connection> connections = new ArrayList<>(2);
    /** Other nodes known to hold connections of the user (for the connection limit). */
    final Set<String> peers = new HashSet<>(2);
    /** This node's status in the shared entry; null when it does not list this node. */
    String listedAs;
    long graceTimer = -1;
    boolean graceOver;
    String lastSeen;
    boolean changing;
    boolean again;
    List<Promise<Void>> settled = new ArrayList<>(1);

    /** What the shared entry should say of this node now; null: not listed. */
    String wanted() {
      if (!connections.isEmpty()) {
        return connections.stream().anyMatch(c -> "online".equals(c.status)) ? "online" : "away";
      }
      return graceOver ? null : listedAs;
    }
  }

  OnlineUsers(Vertx vertx, PresenceConfig config, SharedEntries entries) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.config = config;
    this.nodeId = config.nodeId();
    this.entries = entries;
  }

  /** A connection opened on this node: answers the connections evicted to keep the user within the limit. */
  Future<List<String>> connected(String userId, String connectionId) {
    LocalUser user = users.computeIfAbsent(userId, u -> new LocalUser());
    if (user.graceTimer >= 0) {
      vertx.cancelTimer(user.graceTimer);
      user.graceTimer = -1;
    }
    user.graceOver = false;
    lastOpenedAt = Math.max(lastOpenedAt + 1, System.currentTimeMillis());
    user.connections.add(new Connection(connectionId, lastOpenedAt));
    return sync(userId, user).compose(v -> enforceLimit(userId, user));
  }

  /** A connection closed on this node; the user stays listed here for the offline grace. */
  void disconnected(String userId, String connectionId) {
    LocalUser user = users.get(userId);
    if (user == null || !user.connections.removeIf(c -> c.id.equals(connectionId))) {
      return;
    }
    if (user.connections.isEmpty()) {
      user.lastSeen = now();
      user.graceTimer = vertx.setTimer(config.offlineGraceMs(), id -> {
        user.graceTimer = -1;
        user.graceOver = true;
        sync(userId, user);
      });
    } else {
      sync(userId, user);
    }
  }

  /** presence.update from one socket (or, without a socket id, all of the user's sockets here). */
  Future<Void> status(String userId, String connectionId, String status) {
    LocalUser user = users.get(userId);
    if (user == null) {
      return Future.succeededFuture();
    }
    user.connections.stream().filter(c -> connectionId == null || c.id.equals(connectionId))
      .forEach(c -> c.status = status);
    return sync(userId, user);
  }

  /** Another node asks for this node's connections of a user: it holds some too (connection limit). */
  JsonObject connectionsOf(String userId, String askingNode) {
    LocalUser user = users.get(userId);
    JsonArray out = new JsonArray();
    if (user != null) {
      user.peers.add(askingNode);
      user.connections.forEach(c -> out.add(new JsonObject().put("id", c.id).put("at", c.at)));
    }
    return new JsonObject().put("connections", out);
  }

  /**
   * Brings the shared entry in line with this node's state of the user, one change at a time per
   * user; completes once it is (or failed, retried later).
   */
  private Future<Void> sync(String userId, LocalUser user) {
    Promise<Void> settled = Promise.promise();
    user.settled.add(settled);
    if (user.changing) {
      user.again = true;
      return settled.future();
    }
    String want = user.wanted();
    if (Objects.equals(want, user.listedAs)) {
      settle(userId, user);
      return settled.future();
    }
    user.changing = true;
    long now = Versions.now();
    SharedEntries.Update update = want == null ? unlisting(nodeId, user.lastSeen, now) : listing(nodeId, want, now);
    entries.update(userId, update).onComplete(ar -> {
      user.changing = false;
      if (ar.succeeded()) {
        user.listedAs = want;
        user.peers.clear();
        JsonObject after = ar.result().after();
        if (after != null) {
          after.getJsonObject("nodes").fieldNames().stream().filter(n -> !n.equals(nodeId)).forEach(user.peers::add);
        }
        published(userId, ar.result(), now, user.lastSeen);
      } else {
        LOG.warn("Could not record the presence of {}: {}", userId, ar.cause().toString());
        vertx.setTimer(RETRY_MS, id -> sync(userId, user));
      }
      if (user.again || ar.failed()) {
        user.again = false;
        if (ar.succeeded()) {
          sync(userId, user);
        }
        return;
      }
      settle(userId, user);
    });
    return settled.future();
  }

  private void settle(String userId, LocalUser user) {
    List<Promise<Void>> done = user.settled;
    user.settled = new ArrayList<>(1);
    if (user.connections.isEmpty() && user.listedAs == null && user.graceTimer < 0) {
      users.remove(userId, user);
    }
    done.forEach(Promise::complete);
  }

  /** Past the limit, the oldest connections of the user, on whatever node, are closed. */
  private Future<List<String>> enforceLimit(String userId, LocalUser user) {
    List<JsonObject> all = new ArrayList<>();
    user.connections.forEach(c -> all.add(new JsonObject().put("id", c.id).put("at", c.at).put("node", nodeId)));
    List<Future<Void>> asked = new ArrayList<>();
    for (String peer : List.copyOf(user.peers)) {
      asked.add(bus.<JsonObject>request(Addresses.presenceConnections(peer),
          new JsonObject().put("userId", userId).put("node", nodeId))
        .map(reply -> {
          reply.body().getJsonArray("connections").forEach(c -> all.add(((JsonObject) c).put("node", peer)));
          if (reply.body().getJsonArray("connections").isEmpty()) {
            user.peers.remove(peer);
          }
          return null;
        }));
    }
    // a node that does not answer counts as holding nothing: the limit is a courtesy, not a lock
    return Future.join(asked).transform(ar -> {
      int excess = all.size() - config.maxConnectionsPerUser();
      if (excess <= 0) {
        return Future.succeededFuture(List.<String>of());
      }
      all.sort(Comparator.<JsonObject>comparingLong(c -> c.getLong("at")).thenComparing(c -> c.getString("id")));
      List<JsonObject> oldest = all.subList(0, excess);
      String reason = "a newer connection of yours replaced this one (at most " + config.maxConnectionsPerUser() + " at a time)";
      oldest.forEach(c -> bus.send(Addresses.bridgeEvict(c.getString("node")),
        new JsonObject().put("connectionId", c.getString("id")).put("reason", reason)));
      return Future.succeededFuture(oldest.stream().map(c -> c.getString("id")).toList());
    });
  }

  /** A member died: after a grace (its users may reconnect elsewhere), it no longer lists anyone. */
  Future<Integer> nodeLeft(String deadNode) {
    return entries.entries().compose(all -> {
      List<Future<Void>> cleanups = new ArrayList<>();
      String at = now();
      all.forEach((userId, entry) -> {
        if (entry.getJsonObject("nodes", new JsonObject()).containsKey(deadNode)) {
          long now = Versions.now();
          cleanups.add(entries.update(userId, unlisting(deadNode, at, now))
            .map(change -> {
              published(userId, change, now, at);
              return null;
            }));
        }
      });
      return Future.join(cleanups).map(v -> cleanups.size());
    });
  }

  /** Every user the shared entries list as online, for a node's mirror at start-up. */
  Future<Map<String, JsonObject>> everyone() {
    return entries.entries();
  }

  /** Publishes the change of a user's presence, if the shared entry's change was one. */
  private void published(String userId, Change change, long now, String lastSeen) {
    JsonObject before = change.before();
    JsonObject after = change.after();
    boolean wasOnline = before != null;
    boolean isOnline = after != null;
    if (wasOnline == isOnline && (!isOnline || aggregate(before).equals(aggregate(after)))) {
      return;
    }
    long version = isOnline ? after.getLong("v") : Versions.next(before, now);
    JsonObject event = event(userId, version, isOnline, isOnline ? aggregate(after) : "offline",
      isOnline ? null : lastSeen);
    Future<?> stored = isOnline ? Future.succeededFuture()
      : bus.request(Addresses.STORE_LAST_SEEN, new JsonObject().put("userId", userId).put("at", lastSeen), Local.delivery());
    stored.onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Could not store when {} was last seen: {}", userId, ar.cause().toString());
      }
      Events.broadcast(bus, Addresses.PRESENCE_CHANGED, event);
    });
  }

  static JsonObject event(String userId, long version, boolean online, String status, String lastSeen) {
    return new JsonObject().put("type", "presence").put("userId", userId).put("online", online).put("status", status)
      .put("lastSeen", lastSeen).put("v", version);
  }

  /** "online" if any node says so, else "away". */
  static String aggregate(JsonObject entry) {
    return entry.getJsonObject("nodes", new JsonObject()).stream().anyMatch(e -> "online".equals(e.getValue()))
      ? "online" : "away";
  }

  static SharedEntries.Update listing(String node, String status, long now) {
    return entry -> {
      JsonObject next = entry == null ? new JsonObject() : entry;
      JsonObject nodes = next.getJsonObject("nodes", new JsonObject());
      return next.put("nodes", nodes.put(node, status)).put("v", Versions.next(next, now));
    };
  }

  static SharedEntries.Update unlisting(String node, String lastSeen, long now) {
    return entry -> {
      if (entry == null) {
        return null;
      }
      JsonObject nodes = entry.getJsonObject("nodes", new JsonObject());
      nodes.remove(node);
      return nodes.isEmpty() ? null : entry.put("nodes", nodes).put("lastSeen", lastSeen).put("v", Versions.next(entry, now));
    };
  }

  static String now() {
    return Timestamps.iso(OffsetDateTime.now(ZoneOffset.UTC));
  }
}

package io.thrume.presence;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.model.Timestamps;
import io.thrume.presence.SharedEntries.Change;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is online. Each user's entry lives in a shared map (local on one node, Hazelcast when
 * clustered), so every node sees the same thing:
 * {online, status, lastSeen, connections: [{id, node, at}…]}, oldest connection first.
 * Entries change by compare-and-set, so nodes never overwrite each other.
 * <ul>
 *   <li>a user's first connection makes them online (a presence event to the people they share a
 *   conversation with); a connection past the limit evicts the oldest, on whatever node it is;</li>
 *   <li>a user without connections goes offline only after a grace period, so reloads do not flap;</li>
 *   <li>presence.update sets "online" or "away".</li>
 * </ul>
 */
public class PresenceVerticle extends VerticleBase {
  static final String MAP = "thrume.presence";
  private static final Logger LOG = LoggerFactory.getLogger(PresenceVerticle.class);
  private static final int MAX_QUERY = 200;
  private PresenceConfig config;
  private SharedEntries entries;
  private ConversationViewers viewers;
  /** Grace timers of users whose last connection left this node. */
  private final Map<String, Long> graceTimers = new HashMap<>();

  @Override
  public Future<?> start() {
    config = PresenceConfig.from(config());
    viewers = new ConversationViewers(vertx, config.nodeId());
    return SharedEntries.of(vertx, MAP).onSuccess(shared -> {
      entries = shared;
      EventBus bus = vertx.eventBus();
      Handlers.serve(bus, Addresses.PRESENCE_CONNECTED, m -> connected(m.body()));
      Handlers.serve(bus, Addresses.PRESENCE_DISCONNECTED, m -> disconnected(m.body()));
      Handlers.serve(bus, Addresses.PRESENCE_UPDATE, this::update);
      Handlers.serve(bus, Addresses.PRESENCE_QUERY, m -> query(m.body()));
      Handlers.serve(bus, Addresses.PRESENCE_NODE_LEFT, m -> nodeLeft(m.body().getString("nodeId")));
    });
  }

  /** {userId, connectionId, nodeId} → {evicted: [connectionId…]}. */
  private Future<JsonObject> connected(JsonObject body) {
    String userId = body.getString("userId");
    String connection = new JsonObject().put("id", body.getString("connectionId"))
      .put("node", body.getString("nodeId")).put("at", System.currentTimeMillis()).encode();
    cancelGrace(userId);
    return change(userId, entry -> {
      JsonObject next = entry == null ? new JsonObject().put("online", false) : entry;
      JsonArray connections = next.getJsonArray("connections", new JsonArray()).copy().add(new JsonObject(connection));
      if (!next.getBoolean("online")) {
        next.put("status", "online");
      }
      return next.put("online", true).put("connections", connections);
    }).compose(change -> {
      JsonArray all = change.after().getJsonArray("connections");
      int excess = all.size() - config.maxConnectionsPerUser();
      List<JsonObject> evicted = excess <= 0 ? List.of()
        : all.stream().limit(excess).map(o -> (JsonObject) o).toList();
      Future<?> done = evicted.isEmpty() ? Future.succeededFuture() : evict(userId, evicted);
      if (change.before() == null || !change.before().getBoolean("online", false)) {
        done = done.compose(v -> announce(userId, change.after()));
      }
      return done.map(v -> new JsonObject().put("evicted",
        new JsonArray(evicted.stream().map(c -> c.getString("id")).toList())));
    });
  }

  /** Removes the oldest connections from the entry, and tells their nodes to close them. */
  private Future<Void> evict(String userId, List<JsonObject> oldest) {
    List<String> ids = oldest.stream().map(c -> c.getString("id")).toList();
    return change(userId, entry -> {
      if (entry == null) {
        return null;
      }
      JsonArray kept = new JsonArray(entry.getJsonArray("connections").stream()
        .filter(c -> !ids.contains(((JsonObject) c).getString("id"))).toList());
      return entry.put("connections", kept);
    }).onSuccess(v -> oldest.forEach(c -> vertx.eventBus().send(Addresses.bridgeEvict(c.getString("node")),
      new JsonObject().put("connectionId", c.getString("id"))
        .put("reason", "a newer connection of yours replaced this one (at most " + config.maxConnectionsPerUser()
          + " at a time)")))).mapEmpty();
  }

  /** {userId, connectionId} → {}: the connection is gone; the user may go offline after the grace. */
  private Future<JsonObject> disconnected(JsonObject body) {
    String userId = body.getString("userId");
    String connectionId = body.getString("connectionId");
    return change(userId, entry -> {
      if (entry == null) {
        return null;
      }
      JsonArray kept = new JsonArray(entry.getJsonArray("connections").stream()
        .filter(c -> !connectionId.equals(((JsonObject) c).getString("id"))).toList());
      return entry.put("connections", kept).put("lastSeen", now());
    }).map(change -> {
      if (change.after() != null && change.after().getJsonArray("connections").isEmpty()) {
        startGrace(userId);
      }
      return new JsonObject();
    });
  }

  private void startGrace(String userId) {
    cancelGrace(userId);
    graceTimers.put(userId, vertx.setTimer(config.offlineGraceMs(), id -> {
      graceTimers.remove(userId);
      goOfflineIfStillGone(userId);
    }));
  }

  private void cancelGrace(String userId) {
    Long timer = graceTimers.remove(userId);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  /** After the grace: still no connection anywhere → offline, remembered in the database. */
  private void goOfflineIfStillGone(String userId) {
    String at = now();
    change(userId, entry -> entry == null || !entry.getJsonArray("connections").isEmpty() ? entry : null)
      .compose(change -> {
        if (change.before() == null || change.after() != null) {
          return Future.succeededFuture();
        }
        return takenOffline(userId, at);
      })
      .onFailure(e -> LOG.warn("Could not take {} offline: {}", userId, e.toString()));
  }

  /**
   * A cluster member left or died: its connections are gone. Users left without any connection
   * go offline now, without a further grace: the time it took to declare the member dead was it.
   * Users who reconnected elsewhere in the meantime stay online.
   */
  private Future<JsonObject> nodeLeft(String nodeId) {
    return viewers.nodeLeft(nodeId).compose(v -> entries.entries()).compose(all -> {
      List<Future<Void>> cleanups = all.entrySet().stream()
        .filter(e -> e.getValue().getJsonArray("connections").stream()
          .anyMatch(c -> nodeId.equals(((JsonObject) c).getString("node"))) || e.getValue().getJsonArray("connections").isEmpty())
        .map(e -> dropNode(e.getKey(), nodeId))
        .toList();
      LOG.info("Member {} left: {} users had connections there", nodeId, cleanups.size());
      return Future.join(cleanups).map(v -> new JsonObject().put("users", cleanups.size()));
    });
  }

  private Future<Void> dropNode(String userId, String nodeId) {
    String at = now();
    return change(userId, entry -> {
      if (entry == null) {
        return null;
      }
      JsonArray kept = new JsonArray(entry.getJsonArray("connections").stream()
        .filter(c -> !nodeId.equals(((JsonObject) c).getString("node"))).toList());
      return kept.isEmpty() ? null : entry.put("connections", kept);
    }).compose(change -> {
      if (change.before() == null || change.after() != null || !change.before().getBoolean("online", false)) {
        return Future.succeededFuture();
      }
      cancelGrace(userId);
      return takenOffline(userId, at);
    });
  }

  /** The user's entry is gone: remember when they were last seen, and tell their contacts. */
  private Future<Void> takenOffline(String userId, String at) {
    JsonObject offline = new JsonObject().put("online", false).put("status", "offline").put("lastSeen", at);
    return vertx.eventBus().request(Addresses.STORE_LAST_SEEN, new JsonObject().put("userId", userId).put("at", at),
        Local.delivery())
      .compose(v -> announce(userId, offline));
  }

  /** {status: "online" | "away"} from a client (user header) → {}. */
  private Future<JsonObject> update(Message<JsonObject> request) {
    String userId = request.headers().get(Addresses.USER_HEADER);
    if (userId == null) {
      throw Failure.UNAUTHORIZED.exception("no authenticated user");
    }
    Object requested = request.body() == null ? null : request.body().getValue("status");
    String status = requested instanceof String s ? s : null;
    if (!"online".equals(status) && !"away".equals(status)) {
      throw Failure.INVALID.exception("status must be \"online\" or \"away\"");
    }
    return change(userId, entry -> entry == null ? null : entry.put("status", status)).compose(change -> {
      boolean changed = change.before() != null && !status.equals(change.before().getString("status"));
      return changed ? announce(userId, change.after()) : Future.succeededFuture();
    }).map(v -> new JsonObject());
  }

  /**
   * {userId, userIds} → {id: {online, status, lastSeen}} for the ids that share a conversation
   * with the user (and the user themself); the others are left out.
   */
  private Future<JsonObject> query(JsonObject body) {
    String userId = body.getString("userId");
    JsonArray asked = body.getJsonArray("userIds");
    if (asked.size() > MAX_QUERY) {
      throw Failure.INVALID.exception("userIds allows at most " + MAX_QUERY + " ids");
    }
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CONTACTS,
        new JsonObject().put("userId", userId).put("among", asked), Local.delivery())
      .compose(reply -> {
        JsonArray visible = reply.body().getJsonArray("contacts").copy();
        if (asked.contains(userId)) {
          visible.add(new JsonObject().put("id", userId));
        }
        List<Future<JsonObject>> lookups = visible.stream().map(o -> (JsonObject) o)
          .map(contact -> entries.get(contact.getString("id")).map(entry -> describe(entry, contact.getString("lastSeen"))))
          .toList();
        return Future.all(lookups).map(all -> {
          JsonObject out = new JsonObject();
          for (int i = 0; i < visible.size(); i++) {
            out.put(visible.getJsonObject(i).getString("id"), lookups.get(i).result());
          }
          return out;
        });
      });
  }

  private static JsonObject describe(JsonObject entry, String storedLastSeen) {
    if (entry == null || !entry.getBoolean("online", false)) {
      String lastSeen = entry == null ? storedLastSeen : entry.getString("lastSeen", storedLastSeen);
      return new JsonObject().put("online", false).put("status", "offline").put("lastSeen", lastSeen);
    }
    return new JsonObject().put("online", true).put("status", entry.getString("status", "online"))
      .put("lastSeen", entry.getJsonArray("connections").isEmpty() ? entry.getString("lastSeen") : now());
  }

  /** Tells the people who share a conversation with the user, on their user.<id> addresses. */
  private Future<Void> announce(String userId, JsonObject entry) {
    JsonObject event = new JsonObject().put("type", "presence").put("userId", userId)
      .mergeIn(describe(entry, entry.getString("lastSeen")));
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CONTACTS, new JsonObject().put("userId", userId), Local.delivery())
      .map(reply -> {
        reply.body().getJsonArray("contacts").forEach(c ->
          vertx.eventBus().publish(Addresses.user(((JsonObject) c).getString("id")), event));
        return null;
      });
  }

  private Future<Change> change(String userId, SharedEntries.Update update) {
    return entries.update(userId, update);
  }

  private static String now() {
    return Timestamps.iso(OffsetDateTime.now(ZoneOffset.UTC));
  }
}

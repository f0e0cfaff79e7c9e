package io.thrume.presence;

import io.thrume.fanout.ClientEvent;
import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.fanout.Events;
import io.thrume.limit.Action;
import io.thrume.limit.Limits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Presence and "who is here", the one owner of thrume.presence and thrume.viewers (shared maps:
 * local on one node, Hazelcast when clustered). {@link OnlineUsers} keeps who is online,
 * {@link ConversationViewers} who has which conversation open, {@link PresenceMirror} this node's
 * copy of everyone's presence, so that watches and queries are answered here without the cluster.
 * The bridge tells this service about its sockets over the event bus (local requests).
 */
public class PresenceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceVerticle.class);
  private static final int MAX_QUERY = 500;
  private static final long MIRROR_SWEEP_MS = 60_000;
  private PresenceConfig config;
  private OnlineUsers online;
  private ConversationViewers viewers;
  private final PresenceMirror mirror = new PresenceMirror();

  @Override
  public Future<?> start() {
    config = PresenceConfig.from(config());
    return Future.all(SharedEntries.of(vertx, OnlineUsers.MAP), SharedEntries.of(vertx, ConversationViewers.MAP))
      .compose(shared -> {
        online = new OnlineUsers(vertx, config, shared.resultAt(0));
        viewers = new ConversationViewers(vertx, config.nodeId(), shared.resultAt(1), config.viewersWindowMs());
        EventBus bus = vertx.eventBus();
        Handlers.serve(bus, Addresses.PRESENCE_CONNECTED, m -> online.connected(m.body().getString("userId"),
          m.body().getString("connectionId")).map(evicted -> new JsonObject().put("evicted", new JsonArray(evicted))));
        Handlers.serve(bus, Addresses.PRESENCE_DISCONNECTED, m -> {
          online.disconnected(m.body().getString("userId"), m.body().getString("connectionId"));
          return Future.succeededFuture(new JsonObject());
        });
        Handlers.serve(bus, Addresses.PRESENCE_UPDATE, this::update);
        Handlers.serve(bus, Addresses.PRESENCE_QUERY, m -> query(m.body()));
        Handlers.serve(bus, Addresses.PRESENCE_STATES, m -> Future.succeededFuture(states(m.body().getJsonArray("users"))));
        Handlers.serve(bus, Addresses.PRESENCE_VIEW, m -> view(m.body()));
        Handlers.serve(bus, Addresses.PRESENCE_NODE_LEFT, m -> nodeLeft(m.body().getString("nodeId")));
        Handlers.serve(bus, Addresses.PRESENCE_MIRROR_LOAD, m -> loadMirror());
        Handlers.serve(bus, Addresses.PRESENCE_CHANGED, m -> changed(m.body()));
        Handlers.serve(bus, Addresses.VIEWERS_CHANGED, m -> {
          viewers.changedElsewhere(m.body());
          return Future.succeededFuture();
        });
        // other nodes ask this one for its connections of a user: a cluster-wide consumer
        Handlers.serveCluster(bus, Addresses.presenceConnections(config.nodeId()),
          m -> Future.succeededFuture(online.connectionsOf(m.body().getString("userId"), m.body().getString("node"))));
        vertx.setPeriodic(MIRROR_SWEEP_MS, id -> mirror.sweep());
        return loadMirror();
      });
  }

  /**
   * Fills the mirror from the shared entries. Done at start-up, and again once the node receives
   * the cluster's events, for what changed in between; versions make the two orders agree.
   */
  private Future<JsonObject> loadMirror() {
    return online.everyone().map(all -> {
      all.forEach((userId, entry) -> mirror.apply(userId, entry.getLong("v", 0L), true, OnlineUsers.aggregate(entry),
        entry.getString("lastSeen")));
      return new JsonObject().put("users", all.size());
    });
  }

  /** A presence change from any node: keep it, and hand it to this node's watchers of the user. */
  private Future<Void> changed(JsonObject event) {
    String userId = event.getString("userId");
    if (mirror.apply(userId, event.getLong("v"), event.getBoolean("online"), event.getString("status"),
      event.getString("lastSeen"))) {
      boolean online = event.getBoolean("online");
      Events.toWatchers(vertx.eventBus(), userId, ClientEvent.presence(userId, online, event.getString("status"),
        online ? OnlineUsers.now() : event.getString("lastSeen")));
    }
    return Future.succeededFuture();
  }

  /**
   * {userId, conversationId, viewing, peek?} from the bridge → {viewers: [userId…]} (who else is
   * there, when viewing). With peek (an invited participant), only who is there: the user's view
   * is not recorded, so nobody is told of it.
   */
  private Future<JsonObject> view(JsonObject body) {
    String conversationId = body.getString("conversationId");
    String userId = body.getString("userId");
    if (body.getBoolean("peek", false)) {
      return viewers.peek(conversationId, userId).map(users -> new JsonObject().put("viewers", new JsonArray(users)));
    }
    if (body.getBoolean("viewing")) {
      return viewers.start(conversationId, userId).map(users -> new JsonObject().put("viewers", new JsonArray(users)));
    }
    viewers.stop(conversationId, userId);
    return Future.succeededFuture(new JsonObject().put("viewers", new JsonArray()));
  }

  /**
   * A cluster member left or died (sent to the oldest member): after a grace, in which its users
   * may reconnect elsewhere without ever showing offline, it no longer lists anyone.
   */
  private Future<JsonObject> nodeLeft(String nodeId) {
    Promise<Void> graceOver = Promise.promise();
    vertx.setTimer(Math.max(1, config.deadNodeGraceMs()), id -> graceOver.complete());
    return graceOver.future().compose(v -> viewers.nodeLeft(nodeId)).recover(e -> {
      LOG.warn("Could not clear the viewers of member {}: {}", nodeId, e.toString());
      return Future.succeededFuture();
    }).compose(v -> online.nodeLeft(nodeId)).map(users -> {
      LOG.info("Member {} left: {} users had connections there", nodeId, users);
      return new JsonObject().put("users", users);
    });
  }

  /** {status: "online" | "away"} from a client (user and socket headers) → {}. */
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
    return Limits.take(vertx.eventBus(), userId, Action.PRESENCE)
      .compose(v -> online.status(userId, request.headers().get(Addresses.SOCKET_HEADER), status))
      .map(v -> new JsonObject());
  }

  /**
   * {userId, userIds} → {id: {online, status, lastSeen}} for the ids that share a conversation
   * with the user (and the user themself); the others are left out. Answered from the mirror.
   */
  private Future<JsonObject> query(JsonObject body) {
    String userId = body.getString("userId");
    JsonArray asked = body.getJsonArray("userIds");
    if (asked.size() > MAX_QUERY) {
      throw Failure.INVALID.exception("userIds allows at most " + MAX_QUERY + " ids");
    }
    if (asked.isEmpty()) {
      return Future.succeededFuture(new JsonObject());
    }
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_CONTACTS,
        new JsonObject().put("userId", userId).put("among", asked), Local.delivery())
      .map(reply -> {
        JsonArray visible = reply.body().getJsonArray("contacts").copy();
        if (asked.contains(userId)) {
          visible.add(new JsonObject().put("id", userId));
        }
        return states(visible);
      });
  }

  /** [{id, lastSeen (as stored)}…] → {id: {online, status, lastSeen}}, from the mirror: for users already found visible. */
  private JsonObject states(JsonArray users) {
    JsonObject out = new JsonObject();
    users.forEach(o -> {
      JsonObject user = (JsonObject) o;
      out.put(user.getString("id"), describe(user.getString("id"), user.getString("lastSeen")));
    });
    return out;
  }

  private JsonObject describe(String userId, String storedLastSeen) {
    PresenceMirror.State state = mirror.get(userId);
    if (state == null || !state.online()) {
      String lastSeen = state != null && state.lastSeen() != null ? state.lastSeen() : storedLastSeen;
      return new JsonObject().put("online", false).put("status", "offline").put("lastSeen", lastSeen);
    }
    return new JsonObject().put("online", true).put("status", state.status()).put("lastSeen", OnlineUsers.now());
  }
}

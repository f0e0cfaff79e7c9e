package io.thrume.presence;

import io.thrume.fanout.ClientEvent;
import io.thrume.bus.Addresses;
import io.thrume.fanout.Events;
import io.thrume.presence.SharedEntries.Change;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who has which conversation open ("who is here"; docs/bridge-protocol.md, "Who is here").
 * <ul>
 *   <li>This node counts its viewing sockets per conversation and user; the shared entry
 *   (conversation → {users: {userId: [nodeId…]}, v}) changes only when a user's first socket here
 *   starts viewing or their last one stops.</li>
 *   <li>Those changes are coalesced per conversation: at most one shared-entry change and one
 *   announcement per {@code windowMs}; a view and an unview within a window cancel out. So a
 *   1,000-member room that fills up costs each socket a few frames, not a thousand.</li>
 *   <li>An announcement is {@code user.joined} / {@code user.left} when one user changed, else one
 *   {@code {type: "viewers", joined, left}}.</li>
 *   <li>A socket that starts viewing is told who is there already. For conversations with viewers
 *   here, the node keeps the last known set (from its own changes and the other nodes'), so only a
 *   user's first view on this node waits for the shared entry.</li>
 * </ul>
 * Used on the presence verticle's context only.
 */
final class ConversationViewers {
  static final String MAP = "thrume.viewers";
  private static final Logger LOG = LoggerFactory.getLogger(ConversationViewers.class);
  private final Vertx vertx;
  private final String nodeId;
  private final SharedEntries entries;
  private final long windowMs;
  /** conversationId → userId → this node's sockets viewing it. */
  private final Map<String, Map<String, Integer>> local = new HashMap<>();
  private final Map<String, Window> windows = new HashMap<>();
  /** conversationId → who views it on any node, as last known here (only while it has viewers here). */
  private final Map<String, Known> known = new HashMap<>();

  private record Known(long version, Set<String> users) {
  }

  private record Waiting(String userId, Promise<List<String>> answer) {
  }

  /** A conversation's changes waiting for the next shared-entry change. */
  private static final class Window {
    /** userId → true (starts viewing here) or false (stops). */
    final Map<String, Boolean> changes = new LinkedHashMap<>();
    final List<Waiting> waiting = new ArrayList<>();
    long timer = -1;
    long lastFlush;
    boolean flushing;

    boolean idle() {
      return changes.isEmpty() && waiting.isEmpty() && timer < 0 && !flushing;
    }
  }

  ConversationViewers(Vertx vertx, String nodeId, SharedEntries entries, long windowMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.entries = entries;
    this.windowMs = windowMs;
  }

  /** A socket starts viewing: answers who else views the conversation. */
  Future<List<String>> start(String conversationId, String userId) {
    Map<String, Integer> users = local.computeIfAbsent(conversationId, c -> new HashMap<>());
    if (users.merge(userId, 1, Integer::sum) == 1) {
      change(conversationId, userId, true);
    }
    Window window = windows.get(conversationId);
    Known k = known.get(conversationId);
    if (k != null && (window == null || window.idle())) {
      return Future.succeededFuture(others(k.users(), userId));
    }
    Promise<List<String>> answer = Promise.promise();
    Window w = window(conversationId);
    w.waiting.add(new Waiting(userId, answer));
    schedule(conversationId, w);
    return answer.future();
  }

  /** Who views the conversation (not counting the user), without the user viewing it. */
  Future<List<String>> peek(String conversationId, String userId) {
    Window window = windows.get(conversationId);
    Known k = known.get(conversationId);
    if (k != null && (window == null || window.idle())) {
      return Future.succeededFuture(others(k.users(), userId));
    }
    return entries.get(conversationId).map(entry -> others(users(entry), userId));
  }

  /** A socket stops viewing (or closed). */
  void stop(String conversationId, String userId) {
    Map<String, Integer> users = local.get(conversationId);
    Integer n = users == null ? null : users.get(userId);
    if (n == null) {
      return;
    }
    if (n > 1) {
      users.put(userId, n - 1);
      return;
    }
    users.remove(userId);
    if (users.isEmpty()) {
      local.remove(conversationId);
    }
    change(conversationId, userId, false);
  }

  /** Another node changed the shared entry: keep the set current for this node's newcomers. */
  void changedElsewhere(JsonObject body) {
    if (nodeId.equals(body.getString("node"))) {
      return;
    }
    String conversationId = body.getString("conversationId");
    if (!local.containsKey(conversationId)) {
      return;
    }
    Known k = known.get(conversationId);
    long version = body.getLong("v");
    if (k == null || k.version() < version) {
      known.put(conversationId, new Known(version, strings(body.getJsonArray("users"))));
    }
  }

  private void change(String conversationId, String userId, boolean viewing) {
    Window w = window(conversationId);
    Boolean pending = w.changes.get(userId);
    if (pending != null && pending != viewing) {
      w.changes.remove(userId);
    } else {
      w.changes.put(userId, viewing);
    }
    schedule(conversationId, w);
  }

  private Window window(String conversationId) {
    return windows.computeIfAbsent(conversationId, c -> new Window());
  }

  /** The first change after a quiet window goes at once; later ones wait for the window's end. */
  private void schedule(String conversationId, Window w) {
    if (w.timer >= 0 || w.flushing) {
      return;
    }
    long delay = Math.max(1, w.lastFlush + windowMs - System.currentTimeMillis());
    w.timer = vertx.setTimer(delay, id -> flush(conversationId, w));
  }

  private void flush(String conversationId, Window w) {
    w.timer = -1;
    List<String> adds = new ArrayList<>();
    List<String> removes = new ArrayList<>();
    w.changes.forEach((user, viewing) -> (viewing ? adds : removes).add(user));
    w.changes.clear();
    List<Waiting> waiting = new ArrayList<>(w.waiting);
    w.waiting.clear();
    if (adds.isEmpty() && removes.isEmpty() && waiting.isEmpty()) {
      dropIfDone(conversationId, w);
      return;
    }
    w.flushing = true;
    w.lastFlush = System.currentTimeMillis();
    Future<Change> done = adds.isEmpty() && removes.isEmpty()
      ? entries.get(conversationId).map(e -> new Change(e, e))
      : entries.update(conversationId, apply(nodeId, adds, removes, Versions.now()));
    done.onComplete(ar -> {
      w.flushing = false;
      Set<String> after;
      if (ar.succeeded()) {
        after = users(ar.result().after());
        announce(conversationId, users(ar.result().before()), after);
        if (!adds.isEmpty() || !removes.isEmpty()) {
          long version = version(ar.result().after(), ar.result().before());
          Events.broadcast(vertx.eventBus(), Addresses.VIEWERS_CHANGED, new JsonObject().put("node", nodeId)
            .put("conversationId", conversationId).put("v", version).put("users", new JsonArray(List.copyOf(after))));
          remember(conversationId, version, after);
        } else {
          remember(conversationId, version(ar.result().after(), null), after);
        }
      } else {
        LOG.warn("Could not record who views {}: {}", conversationId, ar.cause().toString());
        Known k = known.get(conversationId);
        after = k == null ? Set.of() : k.users();
      }
      waiting.forEach(wait -> wait.answer().complete(others(after, wait.userId())));
      if (!w.changes.isEmpty() || !w.waiting.isEmpty()) {
        schedule(conversationId, w);
      } else {
        dropIfDone(conversationId, w);
      }
    });
  }

  private void remember(String conversationId, long version, Set<String> users) {
    if (!local.containsKey(conversationId)) {
      known.remove(conversationId);
      return;
    }
    Known k = known.get(conversationId);
    if (k == null || k.version() <= version) {
      known.put(conversationId, new Known(version, users));
    }
  }

  private void dropIfDone(String conversationId, Window w) {
    if (w.idle() && !local.containsKey(conversationId)) {
      windows.remove(conversationId, w);
      known.remove(conversationId);
    }
  }

  /** A member died: its viewers stop viewing everywhere they were only there. */
  Future<Void> nodeLeft(String deadNode) {
    return entries.entries().compose(all -> {
      List<Future<Void>> updates = new ArrayList<>();
      all.forEach((conversationId, entry) -> {
        if (users(entry).stream().anyMatch(u -> entry.getJsonObject("users").getJsonArray(u).contains(deadNode))) {
          updates.add(entries.update(conversationId, withoutNode(deadNode, Versions.now())).map(change -> {
            Set<String> after = users(change.after());
            announce(conversationId, users(change.before()), after);
            Events.broadcast(vertx.eventBus(), Addresses.VIEWERS_CHANGED, new JsonObject().put("node", deadNode)
              .put("conversationId", conversationId).put("v", version(change.after(), change.before()))
              .put("users", new JsonArray(List.copyOf(after))));
            return null;
          }));
        }
      });
      return Future.join(updates).mapEmpty();
    });
  }

  private void announce(String conversationId, Set<String> before, Set<String> after) {
    List<String> joined = after.stream().filter(u -> !before.contains(u)).toList();
    List<String> left = before.stream().filter(u -> !after.contains(u)).toList();
    ClientEvent event = ClientEvent.viewers(joined, left);
    if (event != null) {
      Events.publish(vertx.eventBus(), Addresses.conversation(conversationId), event);
    }
  }

  /** The shared-entry change of one flush: this node starts and stops viewing for these users. */
  static SharedEntries.Update apply(String node, List<String> adds, List<String> removes, long now) {
    return entry -> {
      JsonObject next = entry == null ? new JsonObject() : entry;
      JsonObject users = next.getJsonObject("users", new JsonObject());
      for (String user : adds) {
        JsonArray nodes = users.getJsonArray(user, new JsonArray());
        if (!nodes.contains(node)) {
          nodes.add(node);
        }
        users.put(user, nodes);
      }
      for (String user : removes) {
        JsonArray nodes = users.getJsonArray(user);
        if (nodes != null) {
          nodes.remove(node);
          if (nodes.isEmpty()) {
            users.remove(user);
          }
        }
      }
      return users.isEmpty() ? null : next.put("users", users).put("v", Versions.next(next, now));
    };
  }

  static SharedEntries.Update withoutNode(String node, long now) {
    return entry -> {
      if (entry == null) {
        return null;
      }
      JsonObject users = entry.getJsonObject("users", new JsonObject());
      for (String user : List.copyOf(users.fieldNames())) {
        JsonArray nodes = users.getJsonArray(user);
        nodes.remove(node);
        if (nodes.isEmpty()) {
          users.remove(user);
        }
      }
      return users.isEmpty() ? null : entry.put("users", users).put("v", Versions.next(entry, now));
    };
  }

  private static long version(JsonObject after, JsonObject before) {
    return after != null ? after.getLong("v", 0L) : Versions.next(before, Versions.now());
  }

  private static Set<String> users(JsonObject entry) {
    return entry == null ? Set.of() : new LinkedHashSet<>(entry.getJsonObject("users", new JsonObject()).fieldNames());
  }

  private static Set<String> strings(JsonArray array) {
    Set<String> out = new LinkedHashSet<>();
    array.forEach(o -> out.add((String) o));
    return out;
  }

  private static List<String> others(Set<String> users, String userId) {
    return users.stream().filter(u -> !u.equals(userId)).toList();
  }
}

package io.thrume.presence;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * This node's copy of everyone's presence, so that watching and querying presence never asks the
 * cluster. Filled from the shared entries at start-up, then kept by the change events every node
 * receives. Each change carries the entry's version: an older one arriving late is ignored. Users
 * who went offline are kept for a while as tombstones, so that a late "online" cannot revive them.
 * Used on the presence verticle's context only.
 */
final class PresenceMirror {
  private static final long TOMBSTONE_MS = 5 * 60_000;

  /** What a node knows of a user: online (status "online" or "away") or offline since lastSeen. */
  record State(long version, boolean online, String status, String lastSeen, long storedAt) {
    JsonObject describe() {
      return new JsonObject().put("online", online).put("status", online ? status : "offline").put("lastSeen", lastSeen);
    }
  }

  private final Map<String, State> users = new HashMap<>();

  /** Applies a change (a presence event with its version); answers whether it was news. */
  boolean apply(String userId, long version, boolean online, String status, String lastSeen) {
    State known = users.get(userId);
    if (known != null && known.version() >= version) {
      return false;
    }
    users.put(userId, new State(version, online, status, lastSeen, System.currentTimeMillis()));
    return true;
  }

  /** The user's state, or null when this node knows nothing of them (offline, last seen in the database). */
  State get(String userId) {
    return users.get(userId);
  }

  /** Forgets offline users after a while. */
  void sweep() {
    long cutoff = System.currentTimeMillis() - TOMBSTONE_MS;
    for (Iterator<State> it = users.values().iterator(); it.hasNext(); ) {
      State s = it.next();
      if (!s.online() && s.storedAt() < cutoff) {
        it.remove();
      }
    }
  }

  int size() {
    return users.size();
  }
}

package io.thrume.presence;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

/**
 * Connections allowed per user; how long a user without connections still counts as online (and
 * how long after a member died its users may reconnect elsewhere without showing offline); how
 * often "who is here" may change per conversation.
 */
public record PresenceConfig(String nodeId, int maxConnectionsPerUser, long offlineGraceMs, long deadNodeGraceMs,
                             long viewersWindowMs) {

  public static PresenceConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new PresenceConfig(s.string(ConfigKeys.NODE_ID), s.integer(ConfigKeys.PRESENCE_MAX_CONNECTIONS),
      s.integer(ConfigKeys.PRESENCE_OFFLINE_GRACE_MS), s.integer(ConfigKeys.PRESENCE_DEAD_NODE_GRACE_MS),
      s.integer(ConfigKeys.PRESENCE_VIEWERS_WINDOW_MS));
  }
}

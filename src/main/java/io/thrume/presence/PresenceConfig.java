package io.thrume.presence;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

/** Connections allowed per user, and how long a user without connections still counts as online. */
public record PresenceConfig(String nodeId, int maxConnectionsPerUser, long offlineGraceMs) {

  public static PresenceConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new PresenceConfig(s.string(ConfigKeys.NODE_ID), s.integer(ConfigKeys.PRESENCE_MAX_CONNECTIONS),
      s.integer(ConfigKeys.PRESENCE_OFFLINE_GRACE_MS));
  }
}

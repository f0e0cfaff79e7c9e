package io.thrume.chat;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

/** The send limit: a token bucket per user. */
public record ChatConfig(int sendBurst, double sendPerSecond) {

  public static ChatConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new ChatConfig(s.integer(ConfigKeys.CHAT_SEND_BURST), s.decimal(ConfigKeys.CHAT_SEND_PER_SECOND));
  }
}

package io.thrume.chat;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

/**
 * The send limit (a token bucket per user), the looser bucket for typing, receipts and sync,
 * and how long a silent "is typing" lasts.
 */
public record ChatConfig(int sendBurst, double sendPerSecond, int actionBurst, double actionPerSecond,
                         long typingTimeoutMs) {

  public static ChatConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new ChatConfig(s.integer(ConfigKeys.CHAT_SEND_BURST), s.decimal(ConfigKeys.CHAT_SEND_PER_SECOND),
      s.integer(ConfigKeys.CHAT_ACTION_BURST), s.decimal(ConfigKeys.CHAT_ACTION_PER_SECOND),
      s.integer(ConfigKeys.CHAT_TYPING_TIMEOUT_MS));
  }
}

package io.thrume.bridge;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

/** The limits the bridge enforces (docs/bridge-protocol.md, "Limits"; keys in docs/configuration.md). */
public record BridgeConfig(int maxFrameBytes, long idleTimeoutMs, long sweepMs, int ticketSeconds,
                           int outboundQueueBytes, int maxOverflowFrames, long maxOverflowBytes, long gapWaitMs) {

  public static BridgeConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new BridgeConfig(s.integer(ConfigKeys.BRIDGE_MAX_FRAME_BYTES), s.integer(ConfigKeys.BRIDGE_IDLE_TIMEOUT_MS),
      s.integer(ConfigKeys.BRIDGE_SWEEP_MS), s.integer(ConfigKeys.BRIDGE_TICKET_SECONDS),
      s.integer(ConfigKeys.BRIDGE_OUTBOUND_QUEUE_BYTES), s.integer(ConfigKeys.BRIDGE_MAX_OVERFLOW_FRAMES),
      s.integer(ConfigKeys.BRIDGE_MAX_OVERFLOW_BYTES), s.integer(ConfigKeys.BRIDGE_GAP_WAIT_MS));
  }
}

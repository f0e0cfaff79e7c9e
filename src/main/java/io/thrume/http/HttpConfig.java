package io.thrume.http;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Port, instances (0: one per core), the CORS origins allowed, the largest request body, the
 * connection timeouts (idle; a request's head and whole request from its first byte), the JWT secret.
 */
public record HttpConfig(int port, int instances, List<String> allowedOrigins, int maxBodyBytes,
                         int idleTimeoutSeconds, int headerTimeoutMs, int requestTimeoutMs,
                         String jwtSecret, int tokenMinutes) {

  public static HttpConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new HttpConfig(s.integer(ConfigKeys.HTTP_PORT), s.integer(ConfigKeys.HTTP_INSTANCES),
      s.strings(ConfigKeys.HTTP_ALLOWED_ORIGINS), s.integer(ConfigKeys.HTTP_MAX_BODY_BYTES),
      s.integer(ConfigKeys.HTTP_IDLE_TIMEOUT_SECONDS), s.integer(ConfigKeys.HTTP_HEADER_TIMEOUT_MS),
      s.integer(ConfigKeys.HTTP_REQUEST_TIMEOUT_MS),
      s.string(ConfigKeys.AUTH_JWT_SECRET), s.integer(ConfigKeys.AUTH_TOKEN_MINUTES));
  }

  /**
   * SockJS' heartbeat: its streams and polls must write before the idle timeout closes them
   * (SockJS' default is 25 s).
   */
  public long sockJsHeartbeatMs() {
    return idleTimeoutSeconds > 0 ? Math.min(25_000L, idleTimeoutSeconds * 1000L / 2) : 25_000L;
  }

  public int effectiveInstances() {
    return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
  }
}

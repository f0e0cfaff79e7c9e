package io.thrume.http;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Port, instances (0: one per core), the CORS origins allowed, the largest request body, the JWT secret. */
public record HttpConfig(int port, int instances, List<String> allowedOrigins, int maxBodyBytes,
                         String jwtSecret, int tokenMinutes) {

  public static HttpConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new HttpConfig(s.integer(ConfigKeys.HTTP_PORT), s.integer(ConfigKeys.HTTP_INSTANCES),
      s.strings(ConfigKeys.HTTP_ALLOWED_ORIGINS), s.integer(ConfigKeys.HTTP_MAX_BODY_BYTES),
      s.string(ConfigKeys.AUTH_JWT_SECRET), s.integer(ConfigKeys.AUTH_TOKEN_MINUTES));
  }

  public int effectiveInstances() {
    return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
  }
}

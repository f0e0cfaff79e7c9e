package io.thrume.account;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

/** Password hashing cost, access and refresh token lifetimes and the per-address throttle of register and login. */
public record AccountConfig(String jwtSecret, int tokenMinutes, int refreshDays, int pbkdf2Iterations,
                            int attemptsBurst, double attemptsPerMinute) {

  public static AccountConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new AccountConfig(s.string(ConfigKeys.AUTH_JWT_SECRET), s.integer(ConfigKeys.AUTH_TOKEN_MINUTES),
      s.integer(ConfigKeys.AUTH_REFRESH_DAYS),
      s.integer(ConfigKeys.AUTH_PBKDF2_ITERATIONS), s.integer(ConfigKeys.AUTH_ATTEMPTS_BURST),
      s.decimal(ConfigKeys.AUTH_ATTEMPTS_PER_MINUTE));
  }
}

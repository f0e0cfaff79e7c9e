package io.thrume.store;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/** What the store verticle needs: an external database URL or a data dir for the embedded one. */
public record StoreConfig(String dbUrl, Path dataDir, int poolSize, int embeddedPort) {

  public static StoreConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new StoreConfig(s.string(ConfigKeys.DB_URL), Path.of(s.string(ConfigKeys.DATA_DIR)),
      s.integer(ConfigKeys.DB_POOL_SIZE), s.integer(ConfigKeys.DB_EMBEDDED_PORT));
  }

  public boolean embedded() {
    return dbUrl == null || dbUrl.isBlank();
  }
}

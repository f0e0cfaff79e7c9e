package io.thrume.store;

import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * What the store verticle needs: an external database URL or a data dir for the embedded one, and
 * the embedded one's shared buffers (PostgreSQL's own default, 128MB, is less than the rows and
 * search index of a million messages: docs/performance.md, W7), and how long message inserts may
 * wait to share a statement ({@link MessageBatcher}).
 */
public record StoreConfig(String dbUrl, Path dataDir, int poolSize, int embeddedPort, String embeddedSharedBuffers,
                          int batchWindowMs) {
  /** The longest batch window accepted: beyond it a message would wait longer than anyone should. */
  static final int MAX_BATCH_WINDOW_MS = 100;
  /** A size as PostgreSQL reads it, with its unit: 256MB, 1GB. */
  private static final Pattern SIZE = Pattern.compile("[1-9][0-9]{0,6}(kB|MB|GB)");

  public StoreConfig {
    if (embeddedSharedBuffers == null || !SIZE.matcher(embeddedSharedBuffers).matches()) {
      throw new IllegalArgumentException("configuration " + ConfigKeys.DB_EMBEDDED_SHARED_BUFFERS
        + " must be a size with its unit (kB, MB or GB), such as 256MB; got " + embeddedSharedBuffers);
    }
    if (batchWindowMs < 0 || batchWindowMs > MAX_BATCH_WINDOW_MS) {
      throw new IllegalArgumentException("configuration " + ConfigKeys.DB_BATCH_WINDOW_MS + " must be 0 to "
        + MAX_BATCH_WINDOW_MS + " (milliseconds); got " + batchWindowMs);
    }
  }

  public static StoreConfig from(JsonObject config) {
    Settings s = new Settings(config);
    return new StoreConfig(s.string(ConfigKeys.DB_URL), Path.of(s.string(ConfigKeys.DATA_DIR)),
      s.integer(ConfigKeys.DB_POOL_SIZE), s.integer(ConfigKeys.DB_EMBEDDED_PORT), s.string(ConfigKeys.DB_EMBEDDED_SHARED_BUFFERS),
      s.integer(ConfigKeys.DB_BATCH_WINDOW_MS));
  }

  public boolean embedded() {
    return dbUrl == null || dbUrl.isBlank();
  }
}

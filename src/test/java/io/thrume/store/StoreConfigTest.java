package io.thrume.store;

import io.thrume.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded database's shared buffers (a size with its unit) and the message batch window (0 to
 * 100 ms), or a clear error before anything starts.
 */
class StoreConfigTest {

  private static StoreConfig with(String sharedBuffers) {
    JsonObject config = ConfigLoader.load(Map.of());
    config.getJsonObject("db").put("embeddedSharedBuffers", sharedBuffers);
    return StoreConfig.from(config);
  }

  @Test
  void aSizeWithItsUnitIsTaken() {
    assertEquals("256MB", StoreConfig.from(ConfigLoader.load(Map.of())).embeddedSharedBuffers());
    assertEquals("1GB", with("1GB").embeddedSharedBuffers());
    assertEquals("131072kB", with("131072kB").embeddedSharedBuffers());
    assertEquals("512MB", StoreConfig.from(ConfigLoader.load(Map.of("THRUME_DB_SHARED_BUFFERS", "512MB"))).embeddedSharedBuffers());
  }

  @Test
  void anythingElseIsAClearError() {
    // a bare number is 8 kB pages to PostgreSQL: too easy to misread, so a unit is required
    for (String bad : List.of("", "256", "256 MB", "256mb", "0MB", "-1GB", "lots", "256MB; fsync=off", "99999999GB")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(bad), bad);
      assertTrue(e.getMessage().startsWith("configuration db.embeddedSharedBuffers must be a size with its unit"), e.getMessage());
    }
    JsonObject config = ConfigLoader.load(Map.of());
    config.getJsonObject("db").putNull("embeddedSharedBuffers");
    assertThrows(IllegalArgumentException.class, () -> StoreConfig.from(config));
  }

  private static StoreConfig withWindow(Object windowMs) {
    JsonObject config = ConfigLoader.load(Map.of());
    config.getJsonObject("db").put("batchWindowMs", windowMs);
    return StoreConfig.from(config);
  }

  @Test
  void theBatchWindowIsZeroToAHundredMilliseconds() {
    assertEquals(2, StoreConfig.from(ConfigLoader.load(Map.of())).batchWindowMs());
    assertEquals(0, withWindow(0).batchWindowMs());
    assertEquals(100, withWindow(100).batchWindowMs());
    for (int bad : new int[] {-1, 101, Integer.MAX_VALUE}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withWindow(bad), Integer.toString(bad));
      assertEquals("configuration db.batchWindowMs must be 0 to 100 (milliseconds); got " + bad, e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withWindow("2ms"));
    assertTrue(e.getMessage().contains("db.batchWindowMs"), e.getMessage());
  }
}

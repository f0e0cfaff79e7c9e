package io.thrume.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigLoaderTest {

  /** The defaults docs/configuration.md lists (the design document it named is not in this repository). */
  @Test
  void defaultsMatchDocsConfiguration() {
    Settings s = new Settings(ConfigLoader.load(Map.of()));
    assertEquals(8080, s.integer(ConfigKeys.HTTP_PORT));
    assertEquals("./data", s.string(ConfigKeys.DATA_DIR));
    assertNull(s.string(ConfigKeys.DB_URL));
    assertNull(s.string(ConfigKeys.AUTH_JWT_SECRET));
    assertEquals(60, s.integer(ConfigKeys.AUTH_TOKEN_MINUTES));
    assertEquals(210_000, s.integer(ConfigKeys.AUTH_PBKDF2_ITERATIONS));
    assertEquals(10, s.integer(ConfigKeys.CHAT_SEND_BURST));
    assertEquals(1.0, s.decimal(ConfigKeys.CHAT_SEND_PER_SECOND));
    assertEquals(65536, s.integer(ConfigKeys.HTTP_MAX_BODY_BYTES));
    assertEquals("256MB", s.string(ConfigKeys.DB_EMBEDDED_SHARED_BUFFERS));
  }

  @Test
  void everyEnvironmentVariableOverridesItsKey() {
    Map<String, String> env = Map.ofEntries(
      Map.entry("THRUME_HTTP_PORT", "9090"),
      Map.entry("THRUME_DATA_DIR", "/var/lib/thrume"),
      Map.entry("THRUME_DB_URL", "postgresql://u:p@db:5432/chat"),
      Map.entry("THRUME_DB_SHARED_BUFFERS", "1GB"),
      Map.entry("THRUME_JWT_SECRET", "a-secret-that-is-long-enough-0123456789"),
      Map.entry("THRUME_TOKEN_MINUTES", "15"),
      Map.entry("THRUME_REFRESH_DAYS", "7"),
      Map.entry("THRUME_CLUSTER_PORT", "5801"),
      Map.entry("THRUME_CLUSTER_MEMBERS", "10.0.0.1:5801,10.0.0.2:5801"),
      Map.entry("THRUME_CLUSTER_HOST", "10.0.0.1"),
      Map.entry("THRUME_ALLOWED_ORIGINS", "https://a.example, https://b.example"));
    Settings s = new Settings(ConfigLoader.load(env));
    assertEquals(9090, s.integer(ConfigKeys.HTTP_PORT));
    assertEquals("/var/lib/thrume", s.string(ConfigKeys.DATA_DIR));
    assertEquals("postgresql://u:p@db:5432/chat", s.string(ConfigKeys.DB_URL));
    assertEquals("1GB", s.string(ConfigKeys.DB_EMBEDDED_SHARED_BUFFERS));
    assertEquals("a-secret-that-is-long-enough-0123456789", s.string(ConfigKeys.AUTH_JWT_SECRET));
    assertEquals(15, s.integer(ConfigKeys.AUTH_TOKEN_MINUTES));
    assertEquals(7, s.integer(ConfigKeys.AUTH_REFRESH_DAYS));
    assertEquals(5801, s.integer(ConfigKeys.CLUSTER_PORT));
    assertEquals("10.0.0.1:5801,10.0.0.2:5801", s.string(ConfigKeys.CLUSTER_MEMBERS));
    assertEquals("10.0.0.1", s.string(ConfigKeys.CLUSTER_HOST));
    assertEquals(java.util.List.of("https://a.example", "https://b.example"), s.strings(ConfigKeys.HTTP_ALLOWED_ORIGINS));
    assertEquals(ConfigLoader.ENVIRONMENT.size(), env.size(), "every documented variable is covered here");
  }

  @Test
  void aConfigFileOverridesDefaultsAndTheEnvironmentOverridesIt() throws Exception {
    Path file = Files.createTempFile("thrume-config", ".json");
    Files.writeString(file, new JsonObject().put("http", new JsonObject().put("port", 7000)
      .put("allowedOrigins", new JsonArray().add("https://file.example"))).encode());
    Settings fromFile = new Settings(ConfigLoader.load(Map.of("THRUME_CONFIG", file.toString())));
    assertEquals(7000, fromFile.integer(ConfigKeys.HTTP_PORT));
    assertEquals(65536, fromFile.integer(ConfigKeys.HTTP_MAX_BODY_BYTES), "untouched keys keep their defaults");
    Settings both = new Settings(ConfigLoader.load(Map.of("THRUME_CONFIG", file.toString(), "THRUME_HTTP_PORT", "7001")));
    assertEquals(7001, both.integer(ConfigKeys.HTTP_PORT));
  }

  @Test
  void aBadNumberIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> ConfigLoader.load(Map.of("THRUME_HTTP_PORT", "eighty")));
    assertEquals("THRUME_HTTP_PORT must be a whole number, got 'eighty'", e.getMessage());
  }

  @Test
  void aMissingNamedConfigFileIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> ConfigLoader.load(Map.of("THRUME_CONFIG", "/nonexistent/thrume.json")));
    assertEquals("THRUME_CONFIG names /nonexistent/thrume.json, which is not a readable file", e.getMessage());
  }
}

package io.thrume.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads the configuration: defaults shipped in the jar (conf/config.json), then conf/config.json
 * beside the process (or the file named by THRUME_CONFIG), then environment variables.
 */
public final class ConfigLoader {
  /** Environment variables that override a key, and the key each overrides. */
  public static final Map<String, String> ENVIRONMENT = envMap();

  private static Map<String, String> envMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("THRUME_HTTP_PORT", ConfigKeys.HTTP_PORT);
    m.put("THRUME_DATA_DIR", ConfigKeys.DATA_DIR);
    m.put("THRUME_DB_URL", ConfigKeys.DB_URL);
    m.put("THRUME_DB_SHARED_BUFFERS", ConfigKeys.DB_EMBEDDED_SHARED_BUFFERS);
    m.put("THRUME_JWT_SECRET", ConfigKeys.AUTH_JWT_SECRET);
    m.put("THRUME_TOKEN_MINUTES", ConfigKeys.AUTH_TOKEN_MINUTES);
    m.put("THRUME_REFRESH_DAYS", ConfigKeys.AUTH_REFRESH_DAYS);
    m.put("THRUME_CLUSTER_PORT", ConfigKeys.CLUSTER_PORT);
    m.put("THRUME_CLUSTER_MEMBERS", ConfigKeys.CLUSTER_MEMBERS);
    m.put("THRUME_CLUSTER_HOST", ConfigKeys.CLUSTER_HOST);
    m.put("THRUME_ALLOWED_ORIGINS", ConfigKeys.HTTP_ALLOWED_ORIGINS);
    return Map.copyOf(m);
  }

  private ConfigLoader() {
  }

  public static JsonObject load(Map<String, String> env) {
    JsonObject config = defaults();
    String named = env.get("THRUME_CONFIG");
    Path file = Path.of(named != null ? named : "conf/config.json");
    if (named != null && !Files.isRegularFile(file)) {
      throw new IllegalArgumentException("THRUME_CONFIG names " + file + ", which is not a readable file");
    }
    if (Files.isRegularFile(file)) {
      try {
        config.mergeIn(new JsonObject(Files.readString(file)), true);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    applyEnvironment(config, env);
    return config;
  }

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream("conf/config.json")) {
      if (in == null) {
        throw new IllegalStateException("conf/config.json is missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void applyEnvironment(JsonObject config, Map<String, String> env) {
    Settings settings = new Settings(config);
    ENVIRONMENT.forEach((variable, key) -> {
      String raw = env.get(variable);
      if (raw == null || raw.isBlank()) {
        return;
      }
      Object current = settings.value(key);
      Settings.put(config, key, convert(variable, raw.trim(), current));
    });
  }

  /** Environment values are text; give them the type of the default they replace. */
  private static Object convert(String variable, String raw, Object current) {
    if (current instanceof Number) {
      try {
        return Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(variable + " must be a whole number, got '" + raw + "'");
      }
    }
    if (current instanceof JsonArray) {
      return new JsonArray(Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
    return raw;
  }
}

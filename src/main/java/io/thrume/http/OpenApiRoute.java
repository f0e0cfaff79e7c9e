package io.thrume.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * GET /api/openapi.json (no token): the REST contract, docs/openapi.yaml (packaged into the jar by
 * Maven as the resource {@value #RESOURCE}), converted to JSON once per process.
 */
final class OpenApiRoute {
  static final String PATH = "/api/openapi.json";
  static final String RESOURCE = "docs/openapi.yaml";
  private static volatile String json;

  private OpenApiRoute() {
  }

  /** Mount before the bearer check: the document is public. */
  static void mount(Router router) {
    String document = document();
    router.get(PATH).handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(document));
  }

  static String document() {
    String loaded = json;
    if (loaded == null) {
      try (InputStream in = OpenApiRoute.class.getClassLoader().getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE + " is not on the classpath");
        }
        Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        loaded = ((JsonObject) toJson(yaml)).encode();
        json = loaded;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return loaded;
  }

  /** YAML's maps, lists and scalars as JSON values (keys as strings, timestamps as ISO-8601). */
  private static Object toJson(Object yaml) {
    if (yaml instanceof Map<?, ?> map) {
      JsonObject out = new JsonObject();
      map.forEach((k, v) -> out.put(String.valueOf(k), toJson(v)));
      return out;
    }
    if (yaml instanceof List<?> list) {
      JsonArray out = new JsonArray();
      list.forEach(v -> out.add(toJson(v)));
      return out;
    }
    if (yaml instanceof Date date) {
      return date.toInstant().toString();
    }
    return yaml;
  }
}

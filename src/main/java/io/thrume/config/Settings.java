package io.thrume.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Typed reads of dotted keys ({@link ConfigKeys}) from the merged configuration. */
public final class Settings {
  private final JsonObject root;

  public Settings(JsonObject root) {
    this.root = root;
  }

  public Object value(String key) {
    String[] parts = key.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
      if (node == null) {
        return null;
      }
    }
    return node.getValue(parts[parts.length - 1]);
  }

  public String string(String key) {
    Object v = value(key);
    return v == null ? null : v.toString();
  }

  public int integer(String key) {
    Object v = value(key);
    if (v instanceof Number n) {
      return n.intValue();
    }
    throw new IllegalArgumentException("configuration " + key + " must be a number, got " + v);
  }

  public double decimal(String key) {
    Object v = value(key);
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException("configuration " + key + " must be a number, got " + v);
  }

  public List<String> strings(String key) {
    Object v = value(key);
    if (v == null) {
      return List.of();
    }
    if (v instanceof JsonArray a) {
      return a.stream().map(String::valueOf).toList();
    }
    throw new IllegalArgumentException("configuration " + key + " must be a list, got " + v);
  }

  /** Writes a value at a dotted key, creating the objects on the way. */
  static void put(JsonObject root, String key, Object value) {
    String[] parts = key.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = node.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        node.put(parts[i], next);
      }
      node = next;
    }
    node.put(parts[parts.length - 1], value);
  }
}

package io.thrume.validate;

import java.util.List;
import java.util.Set;
import java.util.LinkedHashSet;
import io.thrume.bus.Failure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/** Typed reads from request bodies; a wrong or missing field fails with INVALID naming the field. */
public final class Fields {
  private Fields() {
  }

  public static String requiredString(JsonObject body, String field) {
    required(body, field);
    return optionalString(body, field);
  }

  public static String optionalString(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw Failure.INVALID.exception(field + " must be a string");
    }
    return s;
  }

  public static UUID requiredUuid(JsonObject body, String field) {
    return uuid(requiredString(body, field), field);
  }

  public static UUID uuid(String value, String field) {
    if (!isUuid(value)) {
      throw Failure.INVALID.exception(field + " must be a UUID");
    }
    return UUID.fromString(value);
  }

  /**
   * A list of account ids (UUIDs), each once, in the order given; INVALID when there are more than
   * {@code max} values or one is not an account id.
   */
  public static List<String> accountIds(List<?> values, String field, int max) {
    if (values.size() > max) {
      throw Failure.INVALID.exception(field + " allows at most " + max + " ids");
    }
    Set<String> ids = new LinkedHashSet<>();
    for (Object value : values) {
      if (!(value instanceof String s)) {
        throw Failure.INVALID.exception(field + " must be an array of account ids");
      }
      ids.add(uuid(s, field).toString());
    }
    return List.copyOf(ids);
  }

  /** A UUID in its canonical 36-character form (UUID.fromString alone takes "1-1-1-1-1"). */
  public static boolean isUuid(String value) {
    if (value == null || value.length() != 36) {
      return false;
    }
    try {
      UUID.fromString(value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public static long requiredLong(JsonObject body, String field, long min, long max) {
    Object v = required(body, field);
    if (!(v instanceof Integer || v instanceof Long)) {
      throw Failure.INVALID.exception(field + " must be a whole number");
    }
    long n = ((Number) v).longValue();
    if (n < min || n > max) {
      throw Failure.INVALID.exception(field + " must be between " + min + " and " + max);
    }
    return n;
  }

  public static JsonArray requiredArray(JsonObject body, String field) {
    if (!(required(body, field) instanceof JsonArray a)) {
      throw Failure.INVALID.exception(field + " must be an array");
    }
    return a;
  }

  /** The field's value; INVALID "… is required" when it is missing or null. */
  private static Object required(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      throw Failure.INVALID.exception(field + " is required");
    }
    return v;
  }
}

package io.thrume.fanout;

import io.vertx.core.json.JsonObject;

/** How an event may be treated when a socket cannot keep up: typing dropped, presence coalesced, the rest kept. */
public enum EventKind {
  TYPING, PRESENCE, ESSENTIAL;

  static EventKind of(JsonObject event) {
    String type = event.getString("type");
    if ("typing".equals(type)) {
      return TYPING;
    }
    if ("presence".equals(type)) {
      return PRESENCE;
    }
    return ESSENTIAL;
  }

  /** The value of the kind header ({@link Events}). */
  String header() {
    return this == TYPING ? "typing" : this == PRESENCE ? "presence" : "essential";
  }

  static EventKind ofHeader(String header) {
    if (header == null) {
      return ESSENTIAL;
    }
    return switch (header) {
      case "typing" -> TYPING;
      case "presence" -> PRESENCE;
      default -> ESSENTIAL;
    };
  }
}

package io.thrume.fanout;

import io.vertx.core.json.JsonObject;

/** How an event may be treated when a socket cannot keep up: typing dropped, presence coalesced, the rest kept. */
public enum EventKind {
  TYPING, PRESENCE, ESSENTIAL;

  static EventKind of(Object body) {
    if (body instanceof JsonObject json) {
      String type = json.getString("type");
      if ("typing".equals(type)) {
        return TYPING;
      }
      if ("presence".equals(type)) {
        return PRESENCE;
      }
    }
    return ESSENTIAL;
  }
}

package io.thrume.fanout;

/**
 * How an event may be treated when a socket cannot keep up: typing dropped, presence coalesced, the
 * rest kept. Each {@link ClientEvent} says its own.
 */
public enum EventKind {
  TYPING, PRESENCE, ESSENTIAL;

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

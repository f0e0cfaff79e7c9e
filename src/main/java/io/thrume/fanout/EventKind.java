package io.thrume.fanout;

/**
 * How an event may be treated when a socket cannot keep up: typing dropped, presence coalesced, the
 * rest kept. Each {@link ClientEvent} says its own.
 */
public enum EventKind {
  TYPING, PRESENCE, ESSENTIAL;
}

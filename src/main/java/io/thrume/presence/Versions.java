package io.thrume.presence;

import io.vertx.core.json.JsonObject;

/**
 * Versions of shared entries ("v"): each change raises it, and it never goes back even when an
 * entry is removed and made again, since it starts from the clock (microseconds). Copies on other
 * nodes keep the highest version they saw, so a change that arrives late is recognised and ignored.
 */
final class Versions {
  private Versions() {
  }

  static long now() {
    return System.currentTimeMillis() * 1000;
  }

  /** The version of an entry's next change. */
  static long next(JsonObject entry, long now) {
    return Math.max(entry == null ? 0 : entry.getLong("v", 0L) + 1, now);
  }
}

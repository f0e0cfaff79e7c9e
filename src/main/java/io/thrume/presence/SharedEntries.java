package io.thrume.presence;

import io.thrume.bus.Failure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.util.function.UnaryOperator;

/**
 * Compare-and-set updates of JSON entries in a shared map (local, or Hazelcast when clustered),
 * so that nodes changing the same entry never overwrite each other.
 */
final class SharedEntries {
  private static final int MAX_ATTEMPTS = 50;
  final AsyncMap<String, JsonObject> map;

  /** What an update changed: the entry before (null if none) and after (null if removed). */
  record Change(JsonObject before, JsonObject after) {
  }

  SharedEntries(AsyncMap<String, JsonObject> map) {
    this.map = map;
  }

  /** The function gets a copy of the entry (or null) and returns the new one (null: remove it). */
  Future<Change> update(String key, UnaryOperator<JsonObject> function) {
    return update(key, function, 0);
  }

  private Future<Change> update(String key, UnaryOperator<JsonObject> function, int attempt) {
    return map.get(key).compose(current -> {
      JsonObject next = function.apply(current == null ? null : current.copy());
      Future<Boolean> written;
      if (current == null) {
        written = next == null ? Future.succeededFuture(true) : map.putIfAbsent(key, next).map(p -> p == null);
      } else if (next == null) {
        written = map.removeIfPresent(key, current);
      } else {
        written = map.replaceIfPresent(key, current, next);
      }
      return written.compose(ok -> {
        if (ok) {
          return Future.succeededFuture(new Change(current, next));
        }
        if (attempt >= MAX_ATTEMPTS) {
          return Future.failedFuture(Failure.UNAVAILABLE.exception("shared state is too busy, try again"));
        }
        return update(key, function, attempt + 1);
      });
    });
  }
}

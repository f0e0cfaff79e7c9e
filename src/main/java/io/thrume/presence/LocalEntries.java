package io.thrume.presence;

import io.thrume.bus.Failure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.util.Map;

/** {@link SharedEntries} in a Vert.x shared map, changed by compare-and-set. */
final class LocalEntries implements SharedEntries {
  private static final int MAX_ATTEMPTS = 50;
  private final AsyncMap<String, JsonObject> map;

  LocalEntries(AsyncMap<String, JsonObject> map) {
    this.map = map;
  }

  @Override
  public Future<Change> update(String key, Update update) {
    return update(key, update, 0);
  }

  private Future<Change> update(String key, Update update, int attempt) {
    return map.get(key).compose(current -> {
      JsonObject next = update.apply(current == null ? null : current.copy());
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
          return Future.failedFuture(Failure.UNAVAILABLE.exception("shared state is too busy"));
        }
        return update(key, update, attempt + 1);
      });
    });
  }

  @Override
  public Future<JsonObject> get(String key) {
    return map.get(key);
  }

  @Override
  public Future<Map<String, JsonObject>> entries() {
    return map.entries();
  }
}

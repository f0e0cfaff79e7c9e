package io.thrume.presence;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.Serial;
import java.util.HashMap;
import java.util.Map;

/** {@link SharedEntries} in a Hazelcast map of JSON text, changed by an entry processor. */
final class HazelcastEntries implements SharedEntries {
  private final Vertx vertx;
  private final IMap<String, String> map;

  HazelcastEntries(Vertx vertx, IMap<String, String> map) {
    this.vertx = vertx;
    this.map = map;
  }

  /** Applies an {@link Update} where the entry lives; answers the entry before and after, as text. */
  static final class Apply implements EntryProcessor<String, String, String[]> {
    @Serial
    private static final long serialVersionUID = 1L;
    private final Update update;

    Apply(Update update) {
      this.update = update;
    }

    @Override
    public String[] process(Map.Entry<String, String> entry) {
      String before = entry.getValue();
      JsonObject after = update.apply(before == null ? null : new JsonObject(before));
      String encoded = after == null ? null : after.encode();
      entry.setValue(encoded);
      return new String[]{before, encoded};
    }
  }

  @Override
  public Future<Change> update(String key, Update update) {
    return Future.fromCompletionStage(map.submitToKey(key, new Apply(update)), vertx.getOrCreateContext())
      .map(texts -> new Change(parse(texts[0]), parse(texts[1])));
  }

  @Override
  public Future<JsonObject> get(String key) {
    return Future.fromCompletionStage(map.getAsync(key), vertx.getOrCreateContext()).map(HazelcastEntries::parse);
  }

  @Override
  public Future<Map<String, JsonObject>> entries() {
    return vertx.executeBlocking(() -> {
      Map<String, JsonObject> all = new HashMap<>();
      map.entrySet().forEach(e -> all.put(e.getKey(), parse(e.getValue())));
      return all;
    }, false);
  }

  private static JsonObject parse(String text) {
    return text == null ? null : new JsonObject(text);
  }
}

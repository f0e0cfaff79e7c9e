package io.thrume.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * When users were last seen, written in groups: one UPDATE at a time, carrying every user who
 * went offline while the previous one ran. Each offline transition used to be its own round trip
 * to PostgreSQL; when sessions churn (a deploy's reconnects, W4) they come by the hundred a
 * second. A lone write leaves at once (no timer). Confined to the store verticle's event loop.
 */
final class LastSeenWriter {
  // GREATEST: a time never moves back, whichever node or batch writes last (NULL is ignored)
  static final String UPDATE = "UPDATE account a SET last_seen_at = GREATEST(a.last_seen_at, v.at) "
    + "FROM unnest($1::uuid[], $2::timestamptz[]) AS v (id, at) WHERE a.id = v.id";

  private final Pool pool;
  private final int maxBatch;
  /** The users waiting for the next write, each with its latest time and whoever waits for it. */
  private Map<UUID, Pending> queued = new LinkedHashMap<>();
  private boolean writing;
  /** UPDATE statements run so far (tests). */
  private long statements;

  private static final class Pending {
    OffsetDateTime at;
    final List<Promise<Void>> waiting = new ArrayList<>(1);
  }

  LastSeenWriter(Pool pool, int maxBatch) {
    this.pool = pool;
    this.maxBatch = maxBatch;
  }

  /** Completes once the user's time (or a later one) is stored. */
  Future<Void> write(UUID userId, OffsetDateTime at) {
    Pending pending = queued.computeIfAbsent(userId, id -> new Pending());
    if (pending.at == null || at.isAfter(pending.at)) {
      pending.at = at;
    }
    Promise<Void> done = Promise.promise();
    pending.waiting.add(done);
    if (!writing) {
      flush();
    }
    return done.future();
  }

  private void flush() {
    if (queued.isEmpty()) {
      writing = false;
      return;
    }
    writing = true;
    Map<UUID, Pending> batch = take();
    UUID[] ids = batch.keySet().toArray(new UUID[0]);
    OffsetDateTime[] times = batch.values().stream().map(p -> p.at).toArray(OffsetDateTime[]::new);
    statements++;
    pool.preparedQuery(UPDATE).execute(Tuple.tuple().addArrayOfUUID(ids).addArrayOfOffsetDateTime(times)).onComplete(ar -> {
      for (Pending pending : batch.values()) {
        pending.waiting.forEach(p -> p.handle(ar.mapEmpty()));
      }
      flush();
    });
  }

  long statements() {
    return statements;
  }

  /** Up to maxBatch of the queued users, oldest first; the rest stay queued. */
  private Map<UUID, Pending> take() {
    if (queued.size() <= maxBatch) {
      Map<UUID, Pending> all = queued;
      queued = new LinkedHashMap<>();
      return all;
    }
    Map<UUID, Pending> some = new LinkedHashMap<>();
    var it = queued.entrySet().iterator();
    while (some.size() < maxBatch) {
      var e = it.next();
      some.put(e.getKey(), e.getValue());
      it.remove();
    }
    return some;
  }
}

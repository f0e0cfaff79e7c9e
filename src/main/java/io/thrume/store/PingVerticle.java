package io.thrume.store;

import io.thrume.bus.Addresses;
import io.thrume.bus.Handlers;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * Answers thrume.store.ping (readiness: can the database be reached?) on an event loop and a
 * connection of its own, so that a store busy with heavy queries does not make the node look down.
 * Deployed by the {@link StoreVerticle}, and gone with it.
 */
final class PingVerticle extends VerticleBase {
  private final PgConnectOptions options;
  private Pool pool;

  PingVerticle(PgConnectOptions options) {
    this.options = options;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    return Handlers.serve(vertx.eventBus(), Addresses.STORE_PING,
      m -> pool.query("SELECT 1").execute().map(rows -> new JsonObject())).completion();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}

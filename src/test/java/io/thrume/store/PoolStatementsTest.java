package io.thrume.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's connections prepare a statement once and keep it, and PostgreSQL still plans each
 * execution with its parameters (StoreVerticle.forPool), long statements too; the message
 * batcher's connections plan its statement once, with no sequential scans (StoreVerticle.forInserts).
 */
class PoolStatementsTest {

  @Test
  void aStatementIsPreparedOnceAndPlannedForItsParameters() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(pg.getPort())
        .setDatabase("postgres").setUser("postgres");
      // one connection, so that every statement below runs in the same session
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(StoreVerticle.forPool(options))
        .using(vertx).build();
      String sql = "SELECT $1::int + 1 AS n";
      for (int i = 0; i < 3; i++) {
        Row row = pool.preparedQuery(sql).execute(Tuple.of(i)).await(10, TimeUnit.SECONDS).iterator().next();
        assertEquals(i + 1, row.getInteger("n"));
      }
      // kept by the session: listed once (an unnamed statement, parsed again at each run, is not)
      Row kept = pool.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = '" + sql + "'")
        .execute().await(10, TimeUnit.SECONDS).iterator().next();
      assertEquals(1L, kept.getLong("n"));
      Row mode = pool.query("SHOW plan_cache_mode").execute().await(10, TimeUnit.SECONDS).iterator().next();
      assertEquals("force_custom_plan", mode.getString(0));
      pool.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStatementAsLongAsTheBatchersIsKeptToo() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(pg.getPort())
        .setDatabase("postgres").setUser("postgres");
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(StoreVerticle.forPool(options))
        .using(vertx).build();
      // as long as the batcher's insert (5,553 characters): Vert.x keeps none over 2,048 by default
      String sql = "SELECT count(*) AS n FROM unnest($1::int[]) x /* " + "long statement ".repeat(400) + "*/";
      assertTrue(sql.length() > 5_553 && sql.length() < StoreVerticle.KEPT_SQL_LIMIT);
      for (int size = 1; size <= 3; size++) {
        Row row = pool.preparedQuery(sql).execute(Tuple.of(new Integer[size])).await(10, TimeUnit.SECONDS).iterator().next();
        assertEquals(size, row.getLong("n"));
      }
      // prepared once and kept by the session, still planned for each run's array
      Row kept = pool.query("SELECT count(*) AS n, sum(custom_plans) AS custom FROM pg_prepared_statements WHERE statement = '"
        + sql + "'").execute().await(10, TimeUnit.SECONDS).iterator().next();
      assertEquals(1L, kept.getLong("n"));
      assertEquals(3L, kept.getLong("custom"));
      pool.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theBatchersStatementIsPlannedOnceAndItsPlanKeptWithoutSequentialScans() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(pg.getPort())
        .setDatabase("postgres").setUser("postgres");
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(StoreVerticle.forInserts(options))
        .using(vertx).build();
      String sql = "SELECT count(*) AS n FROM unnest($1::int[]) x /* " + "long statement ".repeat(400) + "*/";
      for (int size = 1; size <= 3; size++) {
        Row row = pool.preparedQuery(sql).execute(Tuple.of(new Integer[size])).await(10, TimeUnit.SECONDS).iterator().next();
        assertEquals(size, row.getLong("n"));
      }
      // one kept statement, run three times on its one generic plan and never planned for its parameters
      Row kept = pool.query("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = '" + sql + "'")
        .execute().await(10, TimeUnit.SECONDS).iterator().next();
      assertEquals(3L, kept.getLong("generic_plans"));
      assertEquals(0L, kept.getLong("custom_plans"));
      Row seqscan = pool.query("SHOW enable_seqscan").execute().await(10, TimeUnit.SECONDS).iterator().next();
      assertEquals("off", seqscan.getString(0));
      pool.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}

package io.thrume.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's connections prepare a statement once and keep it, and PostgreSQL still plans each
 * execution with its parameters (StoreVerticle.forPool), long statements too; the message
 * batcher's connections plan its statement once, with no sequential scans (StoreVerticle.forInserts).
 */
class PoolStatementsTest {
  /** As long as the batcher's insert (5,553 characters): Vert.x keeps none over 2,048 by default. */
  private static final String LONG = "SELECT count(*) AS n FROM unnest($1::int[]) x /* " + "long statement ".repeat(400) + "*/";
  private static Vertx vertx;
  private static EmbeddedPostgres pg;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    pg = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    pg.close();
  }

  @Test
  void aStatementIsPreparedOnceAndPlannedForItsParameters() throws Exception {
    Pool pool = onePool(StoreVerticle::forPool);
    try {
      String sql = "SELECT $1::int + 1 AS n";
      for (int i = 0; i < 3; i++) {
        Row row = pool.preparedQuery(sql).execute(Tuple.of(i)).await(10, TimeUnit.SECONDS).iterator().next();
        assertEquals(i + 1, row.getInteger("n"));
      }
      // kept by the session: listed once (an unnamed statement, parsed again at each run, is not)
      assertEquals(1L, one(pool, "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = '" + sql + "'").getLong("n"));
      assertEquals("force_custom_plan", one(pool, "SHOW plan_cache_mode").getString(0));
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStatementAsLongAsTheBatchersIsKeptToo() throws Exception {
    assertTrue(LONG.length() > 5_553 && LONG.length() < StoreVerticle.KEPT_SQL_LIMIT);
    Pool pool = onePool(StoreVerticle::forPool);
    try {
      runLongStatementThrice(pool);
      // prepared once and kept by the session, still planned for each run's array
      Row kept = one(pool, "SELECT count(*) AS n, sum(custom_plans) AS custom FROM pg_prepared_statements WHERE statement = '"
        + LONG + "'");
      assertEquals(1L, kept.getLong("n"));
      assertEquals(3L, kept.getLong("custom"));
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theBatchersStatementIsPlannedOnceAndItsPlanKeptWithoutSequentialScans() throws Exception {
    Pool pool = onePool(StoreVerticle::forInserts);
    try {
      runLongStatementThrice(pool);
      // one kept statement, run three times on its one generic plan and never planned for its parameters
      Row kept = one(pool, "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = '" + LONG + "'");
      assertEquals(3L, kept.getLong("generic_plans"));
      assertEquals(0L, kept.getLong("custom_plans"));
      assertEquals("off", one(pool, "SHOW enable_seqscan").getString(0));
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A pool of one connection with the store's settings, so that every statement runs in the same session. */
  private static Pool onePool(UnaryOperator<PgConnectOptions> settings) {
    PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(pg.getPort())
      .setDatabase("postgres").setUser("postgres");
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(settings.apply(options)).using(vertx).build();
  }

  /** The long statement with arrays of 1, 2 and 3 elements. */
  private static void runLongStatementThrice(Pool pool) throws Exception {
    for (int size = 1; size <= 3; size++) {
      assertEquals(size, one(pool, LONG, Tuple.of(new Integer[size])).getLong("n"));
    }
  }

  private static Row one(Pool pool, String sql) throws Exception {
    return pool.query(sql).execute().await(10, TimeUnit.SECONDS).iterator().next();
  }

  private static Row one(Pool pool, String sql, Tuple arguments) throws Exception {
    return pool.preparedQuery(sql).execute(arguments).await(10, TimeUnit.SECONDS).iterator().next();
  }
}

package io.thrume.store;

import io.vertx.pgclient.PgConnectOptions;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the versioned schema in src/main/resources/db/migration. Blocking (JDBC): run it on a worker. */
final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {
  }

  static void apply(PgConnectOptions options) {
    String jdbcUrl = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    Flyway flyway = Flyway.configure()
      .dataSource(jdbcUrl, options.getUser(), options.getPassword())
      .locations("classpath:db/migration")
      .load();
    int applied = flyway.migrate().migrationsExecuted;
    LOG.info("Database schema at version {} ({} migrations applied now)", flyway.info().current().getVersion(), applied);
  }
}

package io.thrume.store;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A real PostgreSQL run from the jar, its data kept in {@code <dataDir>/postgres} so it survives
 * restarts. Blocking: start and stop it on a worker thread.
 */
final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
    Path pgData = dataDir.resolve("postgres").toAbsolutePath();
    Files.createDirectories(pgData);
    stopOrphanedPostmaster(pgData);
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
      .setDataDirectory(pgData)
      .setCleanDataDirectory(false)
      .setRegisterShutdownHook(false)
      .setPGStartupWait(Duration.ofSeconds(60))
      .setServerConfig("listen_addresses", "127.0.0.1")
      .setServerConfig("max_connections", "100");
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgres pg = builder.start();
    LOG.info("Embedded PostgreSQL started on 127.0.0.1:{} with data in {}", pg.getPort(), pgData);
    return new EmbeddedDatabase(pg);
  }

  PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(postgres.getPort())
      .setDatabase("postgres").setUser("postgres");
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }

  /**
   * A process killed with SIGKILL leaves its PostgreSQL running on the data dir; the next start
   * would then fail on postmaster.pid. Stop that orphan first (SIGTERM: a clean, smart shutdown).
   */
  private static void stopOrphanedPostmaster(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid)
      .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (process.isEmpty()) {
      return;
    }
    LOG.warn("Stopping PostgreSQL {} left running on {} by an earlier process", pid, pgData);
    process.get().destroy();
    try {
      process.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("an earlier PostgreSQL (pid " + pid + ") still holds " + pgData, e);
    }
  }
}

package io.thrume;

import io.thrume.config.ConfigKeys;
import io.thrume.config.ConfigLoader;
import io.thrume.config.Settings;
import io.thrume.metrics.ThrumeMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar thrume.jar [-cluster]}: loads the configuration, starts Vert.x, deploys
 * {@link MainVerticle}, logs one line when ready, stops cleanly on SIGTERM, and exits non-zero
 * with a clear message when it cannot start.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  private static final long STOP_TIMEOUT_SECONDS = 30;

  private Main() {
  }

  public static void main(String[] args) {
    boolean clustered = Arrays.asList(args).contains("-cluster");
    JsonObject config;
    try {
      config = ConfigLoader.load(System.getenv());
    } catch (RuntimeException e) {
      LOG.error("Cannot start Thrume: bad configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    if (clustered) {
      LOG.error("Cannot start Thrume: -cluster mode is not available in this build yet");
      System.exit(2);
      return;
    }
    ThrumeMetrics metrics = ThrumeMetrics.create();
    Vertx vertx = ThrumeVertx.create(metrics);
    vertx.deployVerticle(new MainVerticle(metrics), new DeploymentOptions().setConfig(config))
      .onSuccess(id -> {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx), "thrume-shutdown"));
        LOG.info("Thrume ready: http://localhost:{}/ (single node)", new Settings(config).integer(ConfigKeys.HTTP_PORT));
      })
      .onFailure(e -> {
        LOG.error("Cannot start Thrume: {}", e.getMessage(), LOG.isDebugEnabled() ? e : null);
        vertx.close().onComplete(ar -> System.exit(1));
      });
  }

  private static void stop(Vertx vertx) {
    LOG.info("Stopping Thrume");
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      LOG.info("Thrume stopped");
    } catch (Exception e) {
      LOG.warn("Thrume did not stop cleanly: {}", e.toString());
    }
  }
}

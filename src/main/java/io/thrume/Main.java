package io.thrume;

import io.thrume.metrics.ThrumeVertx;
import io.thrume.bus.Addresses;
import io.thrume.bus.Local;
import io.thrume.cluster.ClusterNode;
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
 * {@code java -jar thrume.jar [-cluster]}: loads the configuration, starts Vert.x (clustered on
 * Hazelcast with -cluster), deploys {@link MainVerticle}, logs one line when ready, stops cleanly
 * on SIGTERM, and exits non-zero with a clear message when it cannot start.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  private static final long STOP_TIMEOUT_SECONDS = 30;
  private static final long DRAIN_TIMEOUT_MS = 10_000;
  /** How long after the last told reconnect a draining cluster node stays: time to connect elsewhere. */
  private static final long RECONNECT_MARGIN_MS = 1_000;
  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private Main() {
  }

  public static void main(String[] args) {
    // Hazelcast completes its futures on the common fork-join pool, or on a new thread per completion
    // when that pool has fewer than two threads: on a machine with two cores or fewer, or a process
    // pinned to one. A thread per presence change is a thread churn nobody wants.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
    String logFormat = System.getProperty(ConfigKeys.LOG_FORMAT_VARIABLE, System.getenv(ConfigKeys.LOG_FORMAT_VARIABLE));
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      // logback found no appender for it: nothing would be logged, so say it here
      System.err.println("Cannot start Thrume: bad configuration: " + ConfigKeys.LOG_FORMAT_VARIABLE
        + " must be text or json, got '" + logFormat + "'");
      System.exit(2);
      return;
    }
    boolean clustered = Arrays.asList(args).contains("-cluster");
    JsonObject config;
    try {
      config = ConfigLoader.load(System.getenv());
    } catch (RuntimeException e) {
      LOG.error("Cannot start Thrume: bad configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    ThrumeMetrics metrics = ThrumeMetrics.create();
    Settings settings = new Settings(config);
    String port = settings.string(ConfigKeys.HTTP_PORT);
    if (clustered) {
      ClusterNode.start(metrics, settings)
        .onFailure(e -> {
          LOG.error("Cannot start Thrume: cannot join the cluster: {}", e.getMessage());
          System.exit(1);
        })
        .onSuccess(node -> {
          config.put(ConfigKeys.NODE_ID, node.nodeId());
          node.watchMembers(settings.integer(ConfigKeys.HTTP_DRAIN_MS));
          run(node.vertx, new MainVerticle(metrics, node.rateLimiters(), node::otherMembers), config,
            "http://localhost:" + port + "/ (cluster node " + node.nodeId() + ", " + node.members() + " members)");
        });
    } else {
      run(ThrumeVertx.create(metrics), new MainVerticle(metrics), config, "http://localhost:" + port + "/ (single node)");
    }
  }

  private static void run(Vertx vertx, MainVerticle main, JsonObject config, String where) {
    vertx.deployVerticle(main, new DeploymentOptions().setConfig(config))
      .onSuccess(id -> {
        long drainMs = new Settings(config).integer(ConfigKeys.HTTP_DRAIN_MS);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx, drainMs, vertx.isClustered()), "thrume-shutdown"));
        LOG.info("Thrume ready: {}", where);
      })
      .onFailure(e -> {
        LOG.error("Cannot start Thrume: {}", e.getMessage(), LOG.isDebugEnabled() ? e : null);
        vertx.close().onComplete(ar -> System.exit(1));
      });
  }

  /**
   * A cluster node stays a member until its clients, told when to come back, had time to reconnect
   * elsewhere. Once it leaves, the others take its users offline after presence.deadNodeGraceMs;
   * a user whose socket moves after that would show offline for a moment (RollingRestartTest).
   */
  private static void stayWhileClientsMove(long drainStarted, long reconnectWithinMs) throws InterruptedException {
    long elapsedMs = (System.nanoTime() - drainStarted) / 1_000_000;
    long stayMs = Math.min(DRAIN_TIMEOUT_MS, reconnectWithinMs + RECONNECT_MARGIN_MS) - elapsedMs;
    if (stayMs > 0) {
      LOG.info("Leaving the cluster in {} ms, once the clients told to reconnect had the time", stayMs);
      Thread.sleep(stayMs);
    }
  }

  /**
   * SIGTERM: drain first (clients told when to reconnect, closed with 1012; no new socket or ticket),
   * then close Vert.x, which undeploys the services and leaves the cluster. A send that was
   * acknowledged was committed before its answer; one in flight fails and its client, having no
   * answer, retries it elsewhere with the same clientMessageId.
   */
  private static void stop(Vertx vertx, long drainMs, boolean clustered) {
    LOG.info("Stopping Thrume: draining");
    long started = System.nanoTime();
    try {
      JsonObject drained = vertx.eventBus().<JsonObject>request(Addresses.NODE_DRAIN, new JsonObject().put("drainMs", drainMs),
          Local.delivery().setSendTimeout(DRAIN_TIMEOUT_MS))
        .toCompletionStage().toCompletableFuture().get(DRAIN_TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS).body();
      LOG.info("Drained: {} sockets told to reconnect within {} ms", drained.getInteger("sockets"),
        drained.getLong("reconnectWithinMs"));
      if (clustered && drained.getInteger("sockets") > 0) {
        stayWhileClientsMove(started, drained.getLong("reconnectWithinMs"));
      }
    } catch (Exception e) {
      LOG.warn("Drain did not complete: {}", e.toString());
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      LOG.info("Thrume stopped");
    } catch (Exception e) {
      LOG.warn("Thrume did not stop cleanly: {}", e.toString());
    }
  }
}

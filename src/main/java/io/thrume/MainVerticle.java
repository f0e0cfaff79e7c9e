package io.thrume;

import io.thrume.chat.Membership;
import io.thrume.bus.ServiceFailureCodec;
import io.thrume.account.AccountVerticle;
import io.thrume.auth.JwtSecret;
import io.thrume.auth.RevokedSessions;
import io.thrume.bridge.BridgeConfig;
import io.thrume.bridge.BridgeNode;
import io.thrume.bus.Addresses;
import io.thrume.bus.Local;
import io.thrume.chat.ChatVerticle;
import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.thrume.http.HttpConfig;
import io.thrume.http.HttpVerticle;
import io.thrume.http.UploadSlots;
import io.thrume.limit.LimitVerticle;
import io.thrume.limit.RateLimiter;
import io.thrume.metrics.ThrumeMetrics;
import io.thrume.presence.PresenceVerticle;
import io.thrume.store.StoreVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Deploys a Thrume node in dependency order: the store (database up and migrated), then the
 * services that use it, then the HTTP front door (REST, bridge, web client), which starts taking
 * requests only when all is ready.
 */
public class MainVerticle extends VerticleBase {
  private final ThrumeMetrics metrics;
  private final RateLimiter.Factory limits;
  private final Supplier<Collection<String>> otherMembers;
  private BridgeNode bridge;

  /** A single node: rate limits kept in this process. */
  public MainVerticle(ThrumeMetrics metrics) {
    this(metrics, RateLimiter.local(), List::of);
  }

  /** A node of a cluster: rate limits shared by all nodes, node id from the configuration. */
  public MainVerticle(ThrumeMetrics metrics, RateLimiter.Factory limits, Supplier<Collection<String>> otherMembers) {
    this.metrics = metrics;
    this.limits = limits;
    this.otherMembers = otherMembers;
  }

  @Override
  public Future<?> start() {
    // before any request: failures cross the cluster whole (code, detail, time to come back)
    ServiceFailureCodec.register(vertx.eventBus());
    JsonObject config = config().copy();
    Settings settings = new Settings(config);
    Path dataDir = Path.of(settings.string(ConfigKeys.DATA_DIR));
    String nodeId = config.getString(ConfigKeys.NODE_ID, UUID.randomUUID().toString());
    config.put(ConfigKeys.NODE_ID, nodeId);
    return vertx.executeBlocking(() -> {
        Files.createDirectories(dataDir);
        return JwtSecret.resolve(settings.string(ConfigKeys.AUTH_JWT_SECRET), dataDir);
      })
      .compose(secret -> {
        config.getJsonObject("auth").put("jwtSecret", secret);
        RevokedSessions revoked = new RevokedSessions(settings.integer(ConfigKeys.AUTH_TOKEN_MINUTES));
        // one memory of who is in which conversation, for the chat service and the bridge alike
        Membership membership = new Membership(vertx.eventBus());
        bridge = new BridgeNode(vertx, nodeId, BridgeConfig.from(config), secret, metrics, revoked, membership);
        DeploymentOptions one = new DeploymentOptions().setConfig(config);
        // uploads in flight on this node, all HTTP instances together
        UploadSlots uploads = new UploadSlots(settings.integer(ConfigKeys.FILES_MAX_CONCURRENT_UPLOADS));
        return vertx.deployVerticle(new StoreVerticle(metrics), one)
          .compose(id -> vertx.deployVerticle(new AccountVerticle(limits, revoked), one))
          .compose(id -> vertx.deployVerticle(new LimitVerticle(limits), one))
          .compose(id -> vertx.deployVerticle(new ChatVerticle(metrics, limits, membership), one))
          .compose(id -> vertx.deployVerticle(new PresenceVerticle(), one))
          .compose(id -> bridge.start(otherMembers))
          // the node receives the cluster's events now: catch up on presence changes made meanwhile
          .compose(v -> vertx.eventBus().request(Addresses.PRESENCE_MIRROR_LOAD, new JsonObject(), Local.delivery()))
          // and on the sessions ended within the last token lifetime (those ended from now on are broadcast)
          .compose(v -> loadRevoked(revoked, settings.integer(ConfigKeys.AUTH_TOKEN_MINUTES)))
          .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(bridge, metrics, revoked, uploads),
            new DeploymentOptions(one).setInstances(HttpConfig.from(config).effectiveInstances())));
      });
  }

  private Future<Void> loadRevoked(RevokedSessions revoked, int tokenMinutes) {
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_SESSION_REVOKED,
        new JsonObject().put("minutes", tokenMinutes + 1), Local.delivery())
      .map(reply -> {
        for (Object s : reply.body().getJsonArray("sessions")) {
          JsonObject session = (JsonObject) s;
          revoked.add(session.getString("id"), session.getLong("revokedAt"));
        }
        return null;
      });
  }

  @Override
  public Future<?> stop() {
    return bridge == null ? Future.succeededFuture() : bridge.stop();
  }
}

package io.thrume.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.spi.properties.HazelcastProperties;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import io.thrume.metrics.ThrumeVertx;
import io.thrume.bus.Addresses;
import io.thrume.bus.Local;
import io.thrume.config.ConfigKeys;
import io.thrume.config.Settings;
import io.thrume.limit.RateLimiter;
import io.thrume.limit.SharedRateLimiters;
import io.thrume.metrics.ThrumeMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * A node of a Thrume cluster: Vert.x on a Hazelcast cluster manager, its node id (the Hazelcast
 * member's), cluster-wide rate limits, and the watch that cleans up after members that leave or die.
 */
public final class ClusterNode {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
  public final Vertx vertx;
  private final HazelcastClusterManager manager;
  private static final long PAUSE_TICK_MS = 250;
  /** How long after a pause the removals this node sees are taken as its own removal. */
  private static final long PAUSE_MEMORY_SECONDS = 10;
  private volatile long lastTick;
  private volatile long pausedAt;
  private volatile boolean cutOff;

  private ClusterNode(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  public static Future<ClusterNode> start(ThrumeMetrics metrics, Settings settings) {
    HazelcastClusterManager manager = new HazelcastClusterManager(ClusterConfig.hazelcast(settings));
    String host = settings.string(ConfigKeys.CLUSTER_HOST);
    VertxOptions options = ThrumeVertx.options();
    options.getEventBusOptions().setHost(host).setClusterPublicHost(host);
    return ThrumeVertx.builder(metrics, options)
      .withClusterManager(manager)
      .buildClustered()
      .map(vertx -> {
        ClusterNode node = new ClusterNode(vertx, manager);
        metrics.clusterOperations(node, ClusterNode::operationsExecuted);
        HazelcastMapStats.register(manager.getHazelcastInstance(), metrics);
        return node;
      });
  }

  /**
   * Operations this Hazelcast member has executed, for the cost of fan-out registrations. Hazelcast
   * 5.3 keeps the count in its implementation classes only; -1 if they ever move.
   */
  public double operationsExecuted() {
    try {
      return ((HazelcastInstanceProxy) hazelcast()).getOriginal().node.getNodeEngine().getOperationService()
        .getExecutedOperationCount();
    } catch (RuntimeException | LinkageError e) {
      return -1;
    }
  }

  /** The Hazelcast member's id: what membership events name when this node leaves or dies. */
  public String nodeId() {
    return hazelcast().getCluster().getLocalMember().getUuid().toString();
  }

  public int members() {
    return hazelcast().getCluster().getMembers().size();
  }

  /** Node-local buckets that tell each other what they let through (no Hazelcast operation per request). */
  public RateLimiter.Factory rateLimiters() {
    return new SharedRateLimiters(vertx);
  }

  /** The ids of the other members now. */
  public Collection<String> otherMembers() {
    return hazelcast().getCluster().getMembers().stream().filter(m -> !m.localMember())
      .map(m -> m.getUuid().toString()).toList();
  }

  /**
   * When a member leaves or dies, the oldest surviving member tells its presence service, which
   * removes that member's connections and takes their users offline. Hazelcast calls the listener
   * on its own thread; the work hops onto a Vert.x context.
   */
  public void watchMembers(long drainMs) {
    Context context = vertx.getOrCreateContext();
    long heartbeatTimeout = TimeUnit.SECONDS.toNanos(new HazelcastProperties(hazelcast().getConfig())
      .getSeconds(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS));
    watchPauses(heartbeatTimeout);
    hazelcast().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        LOG.info("Cluster member joined: {} ({} members)", event.getMember().getUuid(), event.getMembers().size());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String gone = event.getMember().getUuid().toString();
        LOG.info("Cluster member left: {} ({} members)", gone, event.getMembers().size());
        if (cutOff || pausedLately(heartbeatTimeout)) {
          // this node was frozen (a long GC pause, SIGSTOP, a VM stall) for longer than the others
          // wait for a heartbeat: they have removed it and taken its users offline, and it goes on
          // as a cluster of its own. It must not serve that split view: its sockets are told to
          // reconnect (to the others, through the balancer) and it takes no more, and says it is
          // neither ready nor live, so that it is restarted and joins again
          if (!cutOff) {
            cutOff = true;
            LOG.error("Cut off from the cluster after a pause longer than the heartbeat timeout: sockets closed, "
              + "not ready nor live any more; restart this node");
            context.runOnContext(v -> vertx.eventBus().send(Addresses.NODE_DRAIN,
              new JsonObject().put("drainMs", drainMs).put("cutOff", true), Local.delivery()));
          }
          return;
        }
        Member oldest = event.getMembers().iterator().next();
        if (oldest.localMember()) {
          context.runOnContext(v -> vertx.eventBus().send(Addresses.PRESENCE_NODE_LEFT, new JsonObject().put("nodeId", gone), Local.delivery()));
        }
      }
    });
  }

  /**
   * Notes when this process last did not run for longer than the heartbeat timeout: a timer that
   * fires late by that much says the whole process was paused, whatever its cause.
   */
  private void watchPauses(long heartbeatTimeout) {
    lastTick = System.nanoTime();
    vertx.setPeriodic(PAUSE_TICK_MS, id -> {
      long now = System.nanoTime();
      if (now - lastTick > heartbeatTimeout) {
        pausedAt = now;
        LOG.warn("This node was paused for {} ms", TimeUnit.NANOSECONDS.toMillis(now - lastTick));
      }
      lastTick = now;
    });
  }

  /** Paused now (the timer is overdue) or within the last few seconds. */
  private boolean pausedLately(long heartbeatTimeout) {
    long now = System.nanoTime();
    return now - lastTick > heartbeatTimeout || (pausedAt != 0 && now - pausedAt < TimeUnit.SECONDS.toNanos(PAUSE_MEMORY_SECONDS));
  }

  private HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }
}

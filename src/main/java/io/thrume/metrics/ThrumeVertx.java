package io.thrume.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.util.UUID;

/** Builds the Vert.x instance of a Thrume node, with its metrics going to the node's registry. */
public final class ThrumeVertx {
  private ThrumeVertx() {
  }

  public static Vertx create(ThrumeMetrics metrics) {
    return builder(metrics, options()).build();
  }

  /** A builder of the node's Vert.x with these options (a cluster node adds its cluster manager), its meters in the node's registry. */
  public static VertxBuilder builder(ThrumeMetrics metrics, VertxOptions options) {
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(metrics.registry()));
  }

  /** How many event loops a node runs: one per processor it may use. */
  public static int eventLoops() {
    return Runtime.getRuntime().availableProcessors();
  }

  public static VertxOptions options() {
    // one event loop per core, not Vert.x's two: nothing of Thrume blocks a loop, and on one core a
    // second loop adds a thread switch to every hop between verticles that landed on different
    // loops (W4 on one core, steady: 726 µs of CPU per session against 926 µs, docs/performance.md)
    return new VertxOptions().setEventLoopPoolSize(eventLoops())
      // Netty's own epoll on Linux instead of the JDK's selector (NIO where it cannot load)
      .setPreferNativeTransport(true)
      .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      // one registry per Vert.x instance, even when tests run several in one JVM
      .setRegistryName("thrume-" + UUID.randomUUID())
      // memory, GC, threads and CPU of the JVM (jvm_*, process_*)
      .setJvmMetricsEnabled(true)
      // no event-bus meters: vertx-micrometer 5.0 registers a gauge again for every handler and every
      // message received (work on every event, and a Micrometer warning at start-up); Thrume's own
      // meters count what crosses its bus (thrume_deliveries, thrume_messages_persisted, ...)
      .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS));
  }
}

package io.thrume.metrics;

import io.thrume.metrics.ThrumeMetrics;
import io.vertx.core.Vertx;
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
    return Vertx.builder()
      .with(options())
      .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
      .build();
  }

  public static VertxOptions options() {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
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

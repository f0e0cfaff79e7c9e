package io.thrume.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.thrume.fanout.NodeFanout;
import io.thrume.fanout.Sequencer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/** Thrume's own meters, beside Vert.x's, in one Prometheus registry per process (GET /metrics). */
public final class ThrumeMetrics {
  private final PrometheusMeterRegistry registry;
  private final Counter persisted;
  private final Timer sendToPublish;
  private final DistributionSummary storeBatches;

  public ThrumeMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    this.persisted = Counter.builder("thrume.messages.persisted")
      .description("Messages committed to the database").register(registry);
    this.sendToPublish = Timer.builder("thrume.send.publish")
      .description("From a send reaching the chat service to its event being published, after the commit")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1))
      .maximumExpectedValue(Duration.ofSeconds(10))
      .register(registry);
    this.storeBatches = DistributionSummary.builder("thrume.store.batch.messages")
      .description("Message inserts answered per database transaction (group commit)")
      .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200)
      .register(registry);
  }

  public static ThrumeMetrics create() {
    return new ThrumeMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void persisted(long startNanos) {
    persisted.increment();
    sendToPublish.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  /** One committed message transaction and how many insert requests it answered. */
  public void storeBatch(int messages) {
    storeBatches.record(messages);
  }

  /** A bridge frame refused, by reason (INVALID, FORBIDDEN, TOO_LARGE, UNAUTHORIZED, CONNECTION_LIMIT, …). */
  public void rejected(String reason) {
    Counter.builder("thrume.frames.rejected").description("Bridge frames and sockets refused, by reason")
      .tag("reason", reason).register(registry).increment();
  }

  /** Hazelcast operations executed by this member (clustered nodes only). */
  public <T> void clusterOperations(T node, ToDoubleFunction<T> count) {
    FunctionCounter.builder("thrume.cluster.operations", node, count)
      .description("Operations executed by this node's Hazelcast member").register(registry);
  }

  /**
   * Hazelcast operations of one type on one map or multimap, as this member counts them (see
   * io.thrume.cluster.HazelcastMapStats); {@code source} must stay reachable: Micrometer holds it weakly.
   */
  public <T> void hazelcastMapOperations(String map, String op, T source, ToDoubleFunction<T> count) {
    FunctionCounter.builder("thrume.hazelcast.map.operations", source, count)
      .description("Hazelcast operations on a map or multimap as this member counts them, by operation type")
      .tags("map", map, "op", op).register(registry);
  }

  /** Meters read from the node's fan-out (held by the node for its whole life; Micrometer keeps only a weak reference). */
  public void fanout(NodeFanout fanout) {
    Gauge.builder("thrume.fanout.loops", fanout, NodeFanout::loops)
      .description("Event loops serving bridge sockets on this node").register(registry);
    Gauge.builder("thrume.sockets.open", fanout, NodeFanout::openSockets)
      .description("Open bridge sockets on this node").register(registry);
    Gauge.builder("thrume.fanout.topics", fanout, NodeFanout::topics)
      .description("Client addresses and watched users this node's sockets are on (in memory only)").register(registry);
    for (Sequencer.Outcome outcome : Sequencer.Outcome.values()) {
      FunctionCounter.builder("thrume.fanout.sequenced", fanout, f -> f.sequenced(outcome))
        .description("Message events by what putting them in seq order took: held behind a gap, repaired from"
          + " the store, dropped as a duplicate, or a gap given up")
        .tag("outcome", outcome.name().toLowerCase()).register(registry);
    }
    FunctionCounter.builder("thrume.deliveries", fanout, NodeFanout::deliveries)
      .description("Events handed to sockets").register(registry);
    FunctionCounter.builder("thrume.sockets.slow.closed", fanout, NodeFanout::slowClosed)
      .description("Sockets closed because their outbound queue stayed full").register(registry);
  }
}

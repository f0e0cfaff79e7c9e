package io.thrume.fanout;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.thrume.metrics.ThrumeMetrics;

import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The fan-out's meters, read from the node's {@link NodeFanout} (held by the node for its whole
 * life; Micrometer keeps only a weak reference), in the node's registry beside the other meters
 * of {@link ThrumeMetrics}. Here rather than in ThrumeMetrics so that metrics depends on no
 * package of the real-time path.
 */
public final class FanoutMeters {
  private FanoutMeters() {
  }

  public static void register(ThrumeMetrics metrics, NodeFanout fanout) {
    MeterRegistry registry = metrics.registry();
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
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    Map<String, ToDoubleFunction<NodeFanout>> starts = Map.of("seen", NodeFanout::startsFromSeen, "store", NodeFanout::startsFromStore);
    starts.forEach((from, count) -> FunctionCounter.builder("thrume.fanout.topic.starts", fanout, count)
      .description("Conversations a socket of this node began receiving, by where their last seq came from:"
        + " the events seen lately, or a store read").tag("from", from).register(registry));
    FunctionCounter.builder("thrume.deliveries", fanout, NodeFanout::deliveries)
      .description("Events handed to sockets").register(registry);
    FunctionCounter.builder("thrume.sockets.slow.closed", fanout, NodeFanout::slowClosed)
      .description("Sockets closed because their outbound queue stayed full").register(registry);
    fanout.deliveryLatency(metrics::delivered);
  }
}

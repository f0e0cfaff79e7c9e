package io.thrume.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.thrume.bus.Failure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Thrume's own meters, beside Vert.x's (and the JVM's and process's, bound by vertx-micrometer),
 * in one Prometheus registry per process (GET /metrics; the table in docs/operations.md, "Metrics").
 */
public final class ThrumeMetrics {
  /** {@code edge} tag of {@code thrume_failures_total}: a problem answered to a REST request. */
  public static final String REST = "rest";
  /** {@code edge} tag of {@code thrume_failures_total}: an err frame, a socket closed or refused by the bridge. */
  public static final String BRIDGE = "bridge";
  /** {@code transport} tag of the bridge connection counters: raw WebSocket (/eventbus/websocket). */
  public static final String WEBSOCKET = "websocket";
  /** {@code transport} tag of the bridge connection counters: SockJS (/eventbus, any of its transports). */
  public static final String SOCKJS = "sockjs";
  private static final String FAILURES = "thrume.failures";
  private static final String CONNECT_ATTEMPTS = "thrume.bridge.connect.attempts";
  private static final String CONNECT_ACCEPTED = "thrume.bridge.connect.accepted";
  private static final String CONNECT_REFUSED = "thrume.bridge.connect.refused";
  private final PrometheusMeterRegistry registry;
  private final Counter persisted;
  private final Timer sendToPublish;
  private final DistributionSummary storeBatches;
  private final Timer storeBatchTime;
  private final Timer connectionDuration;
  private final Timer delivery;
  /** Failure counters by code, one map per edge: looked up without locking or allocating. */
  private final Map<String, Counter> restFailures = new ConcurrentHashMap<>();
  private final Map<String, Counter> bridgeFailures = new ConcurrentHashMap<>();
  /** Connection counters by name|transport or name|reason (one lookup per connection, not per frame). */
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

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
    this.storeBatchTime = Timer.builder("thrume.store.batch")
      .description("A message transaction's statement, from its sending to PostgreSQL to the answer (lock waits included)")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofNanos(100_000))
      .maximumExpectedValue(Duration.ofSeconds(10))
      .register(registry);
    this.connectionDuration = Timer.builder("thrume.bridge.connection")
      .description("How long accepted bridge sockets stayed open, recorded when they close")
      .serviceLevelObjectives(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5),
        Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4), Duration.ofHours(12), Duration.ofDays(1))
      .register(registry);
    this.delivery = Timer.builder("thrume.message.delivery")
      .description("From a message's commit to the fan-out writing its event to the sockets of one event loop"
        + " (once per event and event loop, not per socket)")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofNanos(100_000))
      .maximumExpectedValue(Duration.ofSeconds(10))
      .register(registry);
    // the JVM's memory, GC pauses, threads, class loading, CPU and uptime are vertx-micrometer's
    // (MicrometerMetricsOptions.setJvmMetricsEnabled); open and maximum file descriptors are not
    new FileDescriptorMetrics().bindTo(registry);
    // every code and edge from the start: a rate over a series that appears late misses its first increase
    for (Failure code : Failure.values()) {
      failure(REST, code.name(), 0);
      failure(BRIDGE, code.name(), 0);
    }
    for (String transport : new String[] {WEBSOCKET, SOCKJS}) {
      counter(CONNECT_ATTEMPTS, "transport", transport, "Bridge connection attempts (a WebSocket upgrade asked,"
        + " a SockJS session opened, a request refused for its origin)").increment(0);
      counter(CONNECT_ACCEPTED, "transport", transport, "Bridge connections accepted (ticket redeemed, socket served)").increment(0);
    }
    for (Failure reason : new Failure[] {Failure.UNAUTHORIZED, Failure.UNAVAILABLE, Failure.FORBIDDEN, Failure.INVALID}) {
      connectRefusedCounter(reason.name());
    }
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

  /** One committed message transaction: how many insert requests it answered, and when its statement was sent. */
  public void storeBatch(int messages, long startNanos) {
    storeBatches.record(messages);
    storeBatchTime.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * A failure the bridge told a client, by code (INVALID, FORBIDDEN, TOO_LARGE, UNAUTHORIZED,
   * CONNECTION_LIMIT, …): an err frame, a socket closed with a code, a connection refused.
   */
  public void rejected(String reason) {
    failure(BRIDGE, reason, 1);
  }

  /** A problem answered to a REST request, by its code. */
  public void restFailure(Failure code) {
    failure(REST, code.name(), 1);
  }

  private void failure(String edge, String code, double n) {
    Map<String, Counter> byCode = REST.equals(edge) ? restFailures : bridgeFailures;
    Counter counter = byCode.get(code);
    if (counter == null) {
      counter = byCode.computeIfAbsent(code, k -> Counter.builder(FAILURES)
        .description("Failures answered to clients, by contract code and edge (rest: problem responses; bridge:"
          + " err frames, sockets closed or refused)")
        .tags("edge", edge, "code", code).register(registry));
    }
    counter.increment(n);
  }

  /** A client asked for a bridge socket (WEBSOCKET or SOCKJS). */
  public void connectAttempt(String transport) {
    counter(CONNECT_ATTEMPTS, "transport", transport, "").increment();
  }

  /** A bridge socket was let in; its open time is what {@link #connectionClosed} measures from. */
  public void connectAccepted(String transport) {
    counter(CONNECT_ACCEPTED, "transport", transport, "").increment();
  }

  /**
   * A bridge connection refused before it was served, by code: UNAUTHORIZED (no, a bad, an expired or a
   * used ticket), UNAVAILABLE (draining, or tickets could not be checked), FORBIDDEN (origin), INVALID
   * (not a WebSocket upgrade). Counted as a bridge failure too.
   */
  public void connectRefused(String reason) {
    connectRefusedCounter(reason).increment();
    rejected(reason);
  }

  private Counter connectRefusedCounter(String reason) {
    return counter(CONNECT_REFUSED, "reason", reason, "Bridge connections refused before they were served, by code");
  }

  /** An accepted bridge socket closed; {@code openedNanos} is its System.nanoTime() when it was accepted. */
  public void connectionClosed(long openedNanos) {
    connectionDuration.record(System.nanoTime() - openedNanos, TimeUnit.NANOSECONDS);
  }

  /** The time from a message's commit to its write, in microseconds (both read from {@code Events.nowMicros()}). */
  public void delivered(long micros) {
    delivery.record(micros, TimeUnit.MICROSECONDS);
  }

  private Counter counter(String name, String tag, String value, String description) {
    String key = name + "|" + value;
    Counter counter = counters.get(key);
    if (counter == null) {
      counter = counters.computeIfAbsent(key, k -> Counter.builder(name).description(description)
        .tag(tag, value).register(registry));
    }
    return counter;
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
}

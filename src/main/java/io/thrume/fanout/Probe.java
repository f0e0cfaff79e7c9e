package io.thrume.fanout;

import io.thrume.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Makes sure a joining node receives the cluster's events before it takes sockets. The other
 * nodes learn of its {@link Addresses#FANOUT} consumer through Hazelcast, asynchronously (seconds
 * later on a busy machine). So the node asks every member to answer on FANOUT, and is ready once
 * each has: then each one's publications reach it.
 */
final class Probe {
  private static final Logger LOG = LoggerFactory.getLogger(Probe.class);
  static final String HEADER = "probe";
  private static final long RETRY_MS = 200;
  private static final Buffer EMPTY = Buffer.buffer();
  private final Vertx vertx;
  private final String nodeId;
  private String nonce;
  private final Set<String> answered = new HashSet<>();

  Probe(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.nodeId = nodeId;
  }

  /** Completes when every other member answered; call on the fan-out's context. */
  Future<Void> await(Supplier<Collection<String>> otherMembers, long timeoutMs) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    ask(otherMembers, done, deadline);
    return done.future();
  }

  private void ask(Supplier<Collection<String>> otherMembers, Promise<Void> done, long deadline) {
    Collection<String> others = otherMembers.get();
    if (answered.containsAll(others)) {
      nonce = null;
      done.complete();
      return;
    }
    if (System.currentTimeMillis() > deadline) {
      nonce = null;
      Set<String> missing = new HashSet<>(others);
      missing.removeAll(answered);
      LOG.warn("Members {} did not answer on the fan-out address; starting anyway", missing);
      done.complete();
      return;
    }
    if (nonce == null) {
      nonce = UUID.randomUUID().toString();
    }
    vertx.eventBus().publish(Addresses.FANOUT, EMPTY, new DeliveryOptions()
      .addHeader(HEADER, "ask").addHeader("from", nodeId).addHeader("nonce", nonce));
    vertx.setTimer(RETRY_MS, id -> ask(otherMembers, done, deadline));
  }

  /** A probe frame reached this node: answer a question, or count an answer to ours. */
  void received(MultiMap headers) {
    String from = headers.get("from");
    if (from == null || from.equals(nodeId)) {
      return;
    }
    if ("ask".equals(headers.get(HEADER))) {
      vertx.eventBus().publish(Addresses.FANOUT, EMPTY, new DeliveryOptions().addHeader(HEADER, "answer")
        .addHeader("from", nodeId).addHeader("for", from).addHeader("nonce", headers.get("nonce")));
    } else if (nodeId.equals(headers.get("for")) && nonce != null && nonce.equals(headers.get("nonce"))) {
      answered.add(from);
    }
  }
}

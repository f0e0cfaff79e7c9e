package io.thrume.faults;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a load balancer in front of the nodes does for {@link CarefulClient}s: round robin over the
 * nodes it considers up. A node is taken out before its SIGTERM and put back once it is ready.
 */
final class Balancer {
  final int[] ports;
  final HttpClient http;
  final WebSocketClient webSockets;
  private final Set<Integer> up = ConcurrentHashMap.newKeySet();
  private final AtomicInteger next = new AtomicInteger();

  Balancer(Vertx vertx, int[] ports, int maxSockets) {
    this.ports = ports;
    http = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(50));
    webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
      .setMaxMessageSize(1 << 20).setMaxConnections(maxSockets));
    for (int i = 0; i < ports.length; i++) {
      up.add(i);
    }
  }

  void down(int node) {
    up.remove(node);
  }

  void up(int node) {
    up.add(node);
  }

  /** The next node that is up (any node when none is: its refusal sends the client round again). */
  int pick() {
    for (int tries = 0; tries < ports.length * 2; tries++) {
      int n = Math.floorMod(next.getAndIncrement(), ports.length);
      if (up.contains(n)) {
        return n;
      }
    }
    return Math.floorMod(next.getAndIncrement(), ports.length);
  }
}

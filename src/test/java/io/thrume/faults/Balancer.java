package io.thrume.faults;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

/**
 * What a load balancer in front of the nodes does for {@link CarefulClient}s: round robin over the
 * nodes it considers up. A node is taken out before its SIGTERM and put back once it is ready,
 * with a slow start, as HAProxy's {@code slowstart}, nginx's {@code slow_start} or an AWS target
 * group's slow start do: its share of new connections grows from {@value #MIN_SHARE} of a warm
 * node's to all of it over {@value #SLOW_START_MS} ms, while its JVM compiles the hot paths
 * (docs/operations.md, "Rolling restarts"). Smooth weighted round robin: with equal weights, plain
 * round robin.
 */
final class Balancer {
  static final long SLOW_START_MS = 60_000;
  static final double MIN_SHARE = 0.1;
  final int[] ports;
  final HttpClient http;
  final WebSocketClient webSockets;
  private final boolean[] up;
  /** When each node was put back (System.nanoTime); 0: up from the start, warm. */
  private final long[] upSince;
  private final double[] current;

  Balancer(Vertx vertx, int[] ports, int maxSockets) {
    this.ports = ports;
    http = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(50));
    webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
      .setMaxMessageSize(1 << 20).setMaxConnections(maxSockets));
    up = new boolean[ports.length];
    upSince = new long[ports.length];
    current = new double[ports.length];
    java.util.Arrays.fill(up, true);
  }

  synchronized void down(int node) {
    up[node] = false;
    current[node] = 0;
  }

  synchronized void up(int node) {
    up[node] = true;
    upSince[node] = System.nanoTime();
  }

  /** The next node that is up, by weight (any node when none is: its refusal sends the client round again). */
  synchronized int pick() {
    long now = System.nanoTime();
    double total = 0;
    int best = -1;
    for (int n = 0; n < ports.length; n++) {
      if (!up[n]) {
        continue;
      }
      double weight = weight(n, now);
      current[n] += weight;
      total += weight;
      if (best < 0 || current[n] > current[best]) {
        best = n;
      }
    }
    if (best < 0) {
      return (int) (now % ports.length);
    }
    current[best] -= total;
    return best;
  }

  private double weight(int node, long now) {
    if (upSince[node] == 0) {
      return 1;
    }
    double ramp = (now - upSince[node]) / 1e6 / SLOW_START_MS;
    return Math.max(MIN_SHARE, Math.min(1, ramp));
  }
}

package io.thrume.metrics;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A node runs one event loop per processor it may use, not Vert.x's default of two, on Netty's
 * native epoll where there is one (Linux on x86-64, the platform whose native library Thrume ships).
 */
class ThrumeVertxTest {

  @Test
  void nativeEpollOnLinuxX64() throws Exception {
    boolean linuxX64 = System.getProperty("os.name").toLowerCase().contains("linux")
      && Set.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    Vertx vertx = ThrumeVertx.create(ThrumeMetrics.create());
    try {
      assertEquals(linuxX64, vertx.isNativeTransportEnabled(),
        vertx.isNativeTransportEnabled() ? "native transport" : String.valueOf(vertx.unavailableNativeTransportCause()));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void oneEventLoopPerProcessor() throws Exception {
    int processors = Runtime.getRuntime().availableProcessors();
    Vertx vertx = ThrumeVertx.create(ThrumeMetrics.create());
    try {
      int loops = 0;
      for (EventExecutor ignored : ((VertxInternal) vertx).nettyEventLoopGroup()) {
        loops++;
      }
      assertEquals(processors, loops);
      // verticles deployed one after another take the loops in turn: as many threads as loops, no more
      Set<String> threads = ConcurrentHashMap.newKeySet();
      vertx.deployVerticle(() -> new AbstractVerticle() {
        @Override
        public void start() {
          threads.add(Thread.currentThread().getName());
        }
      }, new DeploymentOptions().setInstances(4 * processors)).await(10, TimeUnit.SECONDS);
      assertEquals(processors, threads.size(), threads.toString());
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}

package io.thrume.cluster;

import com.hazelcast.config.Config;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.ServiceFailure;
import io.thrume.bus.ServiceFailureCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A typed failure crossing the cluster: two clustered Vert.x instances in this JVM (Hazelcast on
 * loopback); a service on one fails, a requester on the other gets the same code, detail and time
 * to come back (ServiceFailureCodec), not a string to parse.
 */
class FailureAcrossNodesTest {
  private static Vertx serving;
  private static Vertx asking;

  @BeforeAll
  static void cluster() throws Exception {
    int first = freePort();
    int second = freePort();
    List<String> members = List.of("127.0.0.1:" + first, "127.0.0.1:" + second);
    serving = await(clustered(first, members));
    asking = await(clustered(second, members));
    ServiceFailureCodec.register(serving.eventBus());
    ServiceFailureCodec.register(asking.eventBus());
    await(Handlers.serveCluster(serving.eventBus(), "test.failure.remote", m -> Future.failedFuture(
      "limited".equals(m.body().getString("case")) ? Failure.rateLimited(9)
        : Failure.UNAVAILABLE.exception("the database is not available"))).completion());
  }

  @AfterAll
  static void stop() throws Exception {
    if (asking != null) {
      await(asking.close());
    }
    if (serving != null) {
      await(serving.close());
    }
  }

  @Test
  void theFailureArrivesWhole() throws Exception {
    ServiceFailure limited = ask("limited");
    assertEquals(Failure.RATE_LIMITED, limited.code());
    assertEquals(9, limited.retryAfterSeconds());
    assertEquals(429, limited.failureCode());
    assertEquals("RATE_LIMITED: retry after 9 s", limited.getMessage());

    ServiceFailure unavailable = ask("unavailable");
    assertEquals(Failure.UNAVAILABLE, unavailable.code());
    assertEquals("the database is not available", unavailable.detail());
    assertEquals(1, unavailable.retryAfterSeconds());
    assertEquals("UNAVAILABLE: the database is not available, retry after 1 s", unavailable.getMessage());
  }

  /** The failure of a request from the other node (asked again while the consumer's registration travels). */
  private static ServiceFailure ask(String which) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Throwable failure = asking.eventBus().request("test.failure.remote", new JsonObject().put("case", which),
          new DeliveryOptions().setSendTimeout(5_000))
        .map(m -> (Throwable) null).otherwise(e -> e)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (failure instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
        continue;
      }
      return assertInstanceOf(ServiceFailure.class, failure);
    }
  }

  private static Future<Vertx> clustered(int port, List<String> members) {
    Config config = new Config();
    config.setClusterName("failure-across-nodes-" + ProcessHandle.current().pid());
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).setMembers(members);
    config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
    return Vertx.builder().withClusterManager(new HazelcastClusterManager(config)).buildClustered();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}

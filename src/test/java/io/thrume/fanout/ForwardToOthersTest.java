package io.thrume.fanout;

import io.thrume.bus.Addresses;
import io.thrume.support.TestThrume;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a node reports about itself (its rate-limit and login-failure counts) reaches the other
 * nodes' services and not its own, which had no use for it: its fan-out does not parse it.
 */
class ForwardToOthersTest {
  private static final String SERVICE = "thrume.test.reports";

  @Test
  void aReportToTheOthersSkipsItsOwnNodeAndReachesTheOthers() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> received = new CopyOnWriteArrayList<>();
      TestThrume.await(vertx.eventBus().<JsonObject>localConsumer(SERVICE, m -> received.add(m.body().getString("from")))
        .completion(), 10);
      NodeFanout fanout = new NodeFanout(vertx, 30_000, 5_000, 100);
      TestThrume.await(fanout.start("node-1", List::of), 10);

      Promise<Void> published = Promise.promise();
      vertx.runOnContext(v -> {
        Events.broadcastToOthers(vertx.eventBus(), SERVICE, new JsonObject().put("from", "own report"));
        Events.broadcast(vertx.eventBus(), SERVICE, new JsonObject().put("from", "own broadcast"));
        published.complete();
      });
      TestThrume.await(published.future(), 10);
      // the same report as another node's bundle arrives with it: read from the wire
      EventBundle.Codec codec = new EventBundle.Codec();
      Buffer wire = Buffer.buffer();
      codec.encodeToWire(wire, new EventBundle(List.of(new EventBundle.Entry(EventBundle.FORWARD_TO_OTHERS, SERVICE,
        EventKind.ESSENTIAL, ClientEvent.NO_SEQ, 0, Buffer.buffer("{\"from\":\"other node's report\"}"))), false));
      vertx.runOnContext(v -> vertx.eventBus().publish(Addresses.FANOUT, codec.decodeFromWire(0, wire)));

      long deadline = System.currentTimeMillis() + 10_000;
      while (received.size() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(200); // the own report, had it been forwarded, came before the broadcast
      assertEquals(List.of("own broadcast", "other node's report"), received);
    } finally {
      TestThrume.await(vertx.close(), 10);
    }
  }
}

package io.thrume.bench;

import io.thrume.bench.Clients.Session;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What each socket sends to stay alive, at its protocol's interval ({@link Clients#heartbeatMs}),
 * spread evenly over the interval: every 100 ms one slice of the sockets pings. The sockets are
 * handed over as they open, so none stays silent while the others connect.
 */
final class Heartbeats implements AutoCloseable {
  private final Vertx vertx;
  private volatile Session[] sockets = new Session[0];
  private long timer = -1;

  Heartbeats(Vertx vertx, Protocol protocol) {
    this.vertx = vertx;
    long interval = Clients.heartbeatMs(protocol);
    if (interval == 0) {
      return;
    }
    int slices = (int) (interval / 100);
    AtomicLong tick = new AtomicLong();
    timer = vertx.setPeriodic(100, id -> {
      Session[] all = sockets;
      int slice = (int) (tick.getAndIncrement() % slices);
      for (int i = slice; i < all.length; i += slices) {
        Session s = all[i];
        if (s != null) {
          s.heartbeat();
        }
      }
    });
  }

  /** The sockets to keep alive: an array filled as they open (null: not open yet). */
  void of(Session[] all) {
    sockets = all;
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    sockets = new Session[0];
  }
}

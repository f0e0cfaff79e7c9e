package io.thrume.faults;

import io.thrume.support.BridgeClient;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What the fault tests wait with and read from their sockets. */
final class Waits {
  private Waits() {
  }

  /** Polls until the condition holds; fails naming {@code what} after the wait. */
  static void awaitCondition(BooleanSupplier condition, Duration wait, String what) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + wait);
      }
      pause(50);
    }
  }

  /** The seqs of the message events the socket received on the address, in arrival order. */
  static List<Long> liveSeqs(BridgeClient socket, String address) {
    synchronized (socket.received) {
      return socket.received.stream().filter(BridgeClient.isEvent(address, "message"))
        .map(f -> f.getJsonObject("body").getJsonObject("message").getLong("seq")).toList();
    }
  }

  /** Milliseconds since {@code started} (System.nanoTime). */
  static long ms(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }

  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

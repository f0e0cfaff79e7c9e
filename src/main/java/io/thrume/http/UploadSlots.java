package io.thrume.http;

import java.util.concurrent.atomic.AtomicInteger;

/** Uploads in flight on this node, shared by its HTTP verticle instances: at most {@code max}. */
public final class UploadSlots {
  private final int max;
  private final AtomicInteger taken = new AtomicInteger();

  public UploadSlots(int max) {
    this.max = max;
  }

  /** Takes a slot, or answers false when all are taken. */
  boolean tryTake() {
    while (true) {
      int now = taken.get();
      if (now >= max) {
        return false;
      }
      if (taken.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void release() {
    taken.decrementAndGet();
  }

  int inUse() {
    return taken.get();
  }
}

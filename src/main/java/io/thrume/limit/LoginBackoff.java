package io.thrume.limit;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Login failures per account name, with exponential backoff: after {@code freeFailures} failures
 * in a row, the next attempt must wait 1 s, then 2 s, 4 s, … up to {@code maxDelaySeconds}, each
 * wait counted from the start of the failed attempt. A success forgets the name; so does a quiet
 * {@link #FORGET_AFTER_NANOS} after its last failure.
 *
 * <p>An attempt counts as a failure from the moment it is let through ({@link #begin}) until it
 * succeeds ({@link #succeeded}): a burst of parallel guesses cannot slip past the count while the
 * password checks are running. Names are opaque keys: a name nobody has is throttled exactly like
 * an account's, so the answers tell nothing about which names exist.
 *
 * <p>Not thread-safe: one owner (a verticle, on its event loop).
 */
public final class LoginBackoff {
  /** A name is forgotten this long after its last failure (once its wait is over). */
  static final long FORGET_AFTER_NANOS = TimeUnit.MINUTES.toNanos(15);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private final int freeFailures;
  private final long maxDelayNanos;
  private final LongSupplier clock;
  private final Map<String, Entry> entries = new HashMap<>();

  private static final class Entry {
    int failures;
    long lockedUntil;
    long lastFailure;
  }

  public LoginBackoff(int freeFailures, int maxDelaySeconds) {
    this(freeFailures, maxDelaySeconds, System::nanoTime);
  }

  LoginBackoff(int freeFailures, int maxDelaySeconds, LongSupplier clock) {
    if (freeFailures < 1 || maxDelaySeconds < 1) {
      throw new IllegalArgumentException("login backoff needs at least 1 free failure and a maximum delay of at least 1 s");
    }
    this.freeFailures = freeFailures;
    this.maxDelayNanos = TimeUnit.SECONDS.toNanos(maxDelaySeconds);
    this.clock = clock;
  }

  /**
   * An attempt for the name: the whole seconds it must wait (it is refused, and not counted), or 0
   * when it may go on; it then counts as a failure unless {@link #succeeded} follows.
   */
  public long begin(String key) {
    long now = clock.getAsLong();
    Entry e = entries.get(key);
    if (e != null && now - e.lockedUntil < 0) {
      return Math.max(1, (e.lockedUntil - now + SECOND - 1) / SECOND);
    }
    if (e == null) {
      e = new Entry();
      entries.put(key, e);
    }
    fail(e, 1, now);
    return 0;
  }

  /** The name's attempt succeeded: its failures are forgotten. */
  public void succeeded(String key) {
    entries.remove(key);
  }

  /** Failures of the name counted elsewhere (another node), added to this count. */
  public void failedElsewhere(String key, int failures) {
    if (failures <= 0) {
      return;
    }
    long now = clock.getAsLong();
    fail(entries.computeIfAbsent(key, k -> new Entry()), failures, now);
  }

  /** Drops names whose wait is over and whose last failure is long past. */
  public void sweep() {
    long now = clock.getAsLong();
    entries.values().removeIf(e -> now - e.lockedUntil >= 0 && now - e.lastFailure >= FORGET_AFTER_NANOS);
  }

  public int size() {
    return entries.size();
  }

  private void fail(Entry e, int count, long now) {
    e.failures = (int) Math.min(Integer.MAX_VALUE, (long) e.failures + count);
    e.lastFailure = now;
    if (e.failures >= freeFailures) {
      int doublings = e.failures - freeFailures;
      long delay = doublings >= 40 ? maxDelayNanos : Math.min(maxDelayNanos, SECOND << doublings);
      long until = now + delay;
      if (until - e.lockedUntil > 0) {
        e.lockedUntil = until;
      }
    }
  }
}

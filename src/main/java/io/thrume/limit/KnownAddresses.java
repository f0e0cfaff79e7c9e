package io.thrume.limit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The client addresses (throttle keys: an IPv4 address, an IPv6 /64) each account name logged in
 * from lately, so that the per-account login backoff cannot lock a user out from where they
 * usually log in: an attempt from a known address is limited on its own (per name and address),
 * not by the failures strangers piled up on the name.
 *
 * <p>Bounded: at most {@link #PER_NAME} addresses per name (the least recently used goes), at most
 * {@code maxNames} names (likewise), each address forgotten {@link #KEEP_NANOS} after its last
 * successful login. Kept in memory: a restart forgets them.
 *
 * <p>Not thread-safe: one owner (a verticle, on its event loop).
 */
public final class KnownAddresses {
  static final int PER_NAME = 4;
  static final long KEEP_NANOS = TimeUnit.DAYS.toNanos(30);
  private final LongSupplier clock;
  private final Map<String, List<Seen>> names;

  private record Seen(String address, long at) {
  }

  public KnownAddresses(int maxNames) {
    this(maxNames, System::nanoTime);
  }

  KnownAddresses(int maxNames, LongSupplier clock) {
    this.clock = clock;
    this.names = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, List<Seen>> eldest) {
        return size() > maxNames;
      }
    };
  }

  /** The name logged in from the address. */
  public void remember(String name, String address) {
    long now = clock.getAsLong();
    List<Seen> seen = names.computeIfAbsent(name, k -> new ArrayList<>(2));
    seen.removeIf(s -> s.address.equals(address));
    seen.add(new Seen(address, now));
    if (seen.size() > PER_NAME) {
      seen.remove(0);
    }
  }

  /** Whether the name logged in from the address within the last {@link #KEEP_NANOS}. */
  public boolean knows(String name, String address) {
    List<Seen> seen = names.get(name);
    if (seen == null) {
      return false;
    }
    long now = clock.getAsLong();
    for (Seen s : seen) {
      if (s.address.equals(address)) {
        return now - s.at < KEEP_NANOS;
      }
    }
    return false;
  }

  /** Forgets addresses not used for {@link #KEEP_NANOS}. */
  public void sweep() {
    long now = clock.getAsLong();
    names.values().removeIf(seen -> {
      seen.removeIf(s -> now - s.at >= KEEP_NANOS);
      return seen.isEmpty();
    });
  }

  public int size() {
    return names.size();
  }
}

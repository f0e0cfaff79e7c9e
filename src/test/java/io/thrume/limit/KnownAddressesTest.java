package io.thrume.limit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The addresses a name logged in from, on a clock of the test's own: per name, bounded, forgotten in 30 days. */
class KnownAddressesTest {
  private long now = 1_000_000_000L;

  @Test
  void anAddressIsKnownForItsNameOnlyFor30Days() {
    KnownAddresses known = new KnownAddresses(100, () -> now);
    known.remember("alice", "10.0.0.1");
    assertTrue(known.knows("alice", "10.0.0.1"));
    assertFalse(known.knows("alice", "10.0.0.2"));
    assertFalse(known.knows("bob", "10.0.0.1"), "per name");
    now += TimeUnit.DAYS.toNanos(29);
    known.remember("alice", "10.0.0.2");
    assertTrue(known.knows("alice", "10.0.0.1"));
    now += TimeUnit.DAYS.toNanos(1);
    assertFalse(known.knows("alice", "10.0.0.1"), "30 days after its last login");
    assertTrue(known.knows("alice", "10.0.0.2"));
    known.sweep();
    assertEquals(1, known.size());
    now += TimeUnit.DAYS.toNanos(30);
    known.sweep();
    assertEquals(0, known.size());
  }

  @Test
  void aNameKeepsItsLatestFourAddressesAndTheNamesAreBounded() {
    KnownAddresses known = new KnownAddresses(2, () -> now);
    for (int i = 1; i <= 5; i++) {
      known.remember("alice", "10.0.0." + i);
      now++;
    }
    assertFalse(known.knows("alice", "10.0.0.1"), "the least recently used went");
    for (int i = 2; i <= 5; i++) {
      assertTrue(known.knows("alice", "10.0.0." + i));
    }
    known.remember("alice", "10.0.0.2"); // used again: now the latest
    known.remember("alice", "10.0.0.6");
    assertTrue(known.knows("alice", "10.0.0.2"));
    assertFalse(known.knows("alice", "10.0.0.3"));
    known.remember("bob", "10.0.1.1");
    known.remember("carol", "10.0.2.1");
    assertEquals(2, known.size(), "at most 2 names");
    assertFalse(known.knows("alice", "10.0.0.2"), "the least recently used name went");
    assertTrue(known.knows("carol", "10.0.2.1"));
  }
}

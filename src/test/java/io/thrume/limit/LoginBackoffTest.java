package io.thrume.limit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The per-account login backoff on a clock of the test's own. */
class LoginBackoffTest {
  private long now = 1_000_000_000L;

  private void advance(double seconds) {
    now += (long) (seconds * 1e9);
  }

  @Test
  void fiveFailuresAreFreeThenTheWaitDoublesUpToTheCap() {
    LoginBackoff backoff = new LoginBackoff(5, 60, () -> now);
    for (int i = 0; i < 4; i++) {
      assertEquals(0, backoff.begin("name"), "failure " + (i + 1));
    }
    assertEquals(0, backoff.begin("name"), "the 5th attempt goes on");
    assertEquals(1, backoff.begin("name"), "then 1 s");
    long[] waits = {1, 2, 4, 8, 16, 32, 60, 60, 60};
    for (long wait : waits) {
      assertEquals(wait, backoff.begin("name"), "refused attempts do not count or extend the wait");
      assertEquals(wait, backoff.begin("name"));
      advance(wait - 0.5);
      assertEquals(1, backoff.begin("name"), "half a second left: rounded up");
      advance(0.5);
      assertEquals(0, backoff.begin("name"), "after " + wait + " s the next attempt goes on");
    }
  }

  @Test
  void aSuccessForgetsTheFailures() {
    LoginBackoff backoff = new LoginBackoff(5, 300, () -> now);
    for (int i = 0; i < 5; i++) {
      backoff.begin("name");
    }
    assertEquals(1, backoff.begin("name"));
    advance(1);
    assertEquals(0, backoff.begin("name"));
    backoff.succeeded("name");
    for (int i = 0; i < 4; i++) {
      assertEquals(0, backoff.begin("name"), "free again after a success");
    }
    assertEquals(0, backoff.begin("other"), "other names are not affected");
  }

  @Test
  void failuresCountedElsewhereCountHereAndQuietNamesAreForgotten() {
    LoginBackoff backoff = new LoginBackoff(5, 300, () -> now);
    backoff.failedElsewhere("name", 6);
    assertEquals(2, backoff.begin("name"), "6 failures on other nodes: 2 s");
    backoff.begin("third");
    assertEquals(2, backoff.size());
    advance(TimeUnit.MINUTES.toSeconds(15) - 1);
    backoff.sweep();
    assertEquals(2, backoff.size(), "not quiet long enough");
    advance(2);
    backoff.sweep();
    assertEquals(0, backoff.size());
    assertEquals(0, backoff.begin("name"), "forgotten");
  }
}
